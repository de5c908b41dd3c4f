// How validation findings are named and collected. Paths use proto field names (snake_case),
// indices for repeated fields and quoted keys for maps, so a finding points at the same place
// whether the input was a proto-loader object, wire bytes or proto3 JSON.
import type { Problem } from '../../model/errors';

/** A Problem that also names the rule it broke, e.g. `string.min_len` or `shape.unknown_field`. */
export interface ValidationProblem extends Problem {
  readonly rule: string;
}

export function fieldPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

export function keyPath(parent: string, key: string): string {
  return `${parent}[${JSON.stringify(key)}]`;
}

export class ProblemSink {
  readonly problems: ValidationProblem[] = [];

  add(path: string, rule: string, message: string): void {
    this.problems.push({ path, rule, message: `${message} [${rule}]`, severity: 'error' });
  }
}

/** Short description of a JS value for "expected X, got Y" messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
