// Shared by the config tests: mesh files as arrays of lines (so line numbers can be counted
// by eye) and problems flattened to "line:column" for exact comparison.

import { expect } from 'vitest';
import type { Problem } from '../../src/model/errors';
import { parseMeshFile, type MeshParseResult } from '../../src/config/parse';

export const FILE = 'mesh.yaml';

export function meshText(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

export function parseLines(lines: readonly string[]): MeshParseResult {
  return parseMeshFile(meshText(lines), FILE);
}

export interface Found {
  readonly at: string;
  readonly path: string;
  readonly message: string;
}

export function found(problems: readonly Problem[], severity: Problem['severity']): Found[] {
  return problems.filter((p) => p.severity === severity).map((p) => ({ at: `${p.location?.line}:${p.location?.column}`, path: p.path, message: p.message }));
}

/** [line:column, path, message fragment] */
export type Expected = readonly [string, string, string];

export function expectFound(actual: readonly Found[], expected: readonly Expected[]): void {
  expect(actual).toEqual(expected.map(([at, path, fragment]) => ({ at, path, message: expect.stringContaining(fragment) })));
}
