// Assertions on validation problems: by path and rule, so a test names the exact place and rule.
import { expect } from 'vitest';
import type { ValidationProblem } from '../../src/proto/validate';

export function summary(problems: readonly ValidationProblem[]): string[] {
  return problems.map((p) => `${p.path} ${p.rule}`);
}

/** The problems must be exactly these `path rule` pairs, in any order. */
export function expectExactly(problems: readonly ValidationProblem[], ...expected: string[]): void {
  expect(summary(problems).sort()).toEqual([...expected].sort());
}

export function expectValid(problems: readonly ValidationProblem[]): void {
  expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([]);
}
