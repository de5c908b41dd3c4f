// Typed readers over YAML nodes. Each one checks one value, reports what is wrong with it at its
// own line and column, and returns undefined for a bad value so the caller carries on: one pass
// over the file finds every problem.

import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import type { Location } from '../model/errors';
import { DURATION_EXAMPLES, parseDuration } from '../util/durations';
import { childPath, itemPath, type MeshSource, type YamlValue } from './source';
import { closestMatch, oneOf } from '../util/suggest';

/** One value to read: its node (aliases already followed), its path, and where to point. */
export interface Field {
  readonly node: YamlValue;
  readonly path: string;
  readonly at: Location;
  /** Already reported as unreadable (an alias to no anchor); readers must not judge it again. */
  readonly broken?: boolean;
}

export function describe(src: MeshSource, node: YamlValue): string {
  if (node === null) return 'an empty value';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (value === null || value === undefined) return 'an empty value';
    if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
    if (typeof value === 'number' || typeof value === 'bigint') return `the number ${src.textOf(node)}`;
    if (typeof value === 'boolean') return `the boolean ${src.textOf(node)}`;
  }
  return 'a value of another kind';
}

function scalarValue(node: YamlValue): unknown {
  return isScalar(node) ? node.value : undefined;
}

export function readString(src: MeshSource, f: Field): string | undefined {
  const value = scalarValue(f.node);
  if (typeof value === 'string') return value;
  // YAML reads `true`, `1` and `1.0` as non-strings; the fix is quoting, so say exactly that.
  const hint = isScalar(f.node) && f.node.value !== null && typeof value !== 'string' ? `; quote it to mean the text: "${src.textOf(f.node)}"` : '';
  src.error(f.path, f.at, `expected a string, got ${describe(src, f.node)}${hint}`);
  return undefined;
}

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
  /** How the allowed range reads in a message, e.g. "a port from 1 to 65535". */
  readonly meaning: string;
}

export const UINT32_MAX = 4_294_967_295;
export const PORT: IntegerRange = { min: 1, max: 65_535, meaning: 'a port number from 1 to 65535' };
export const POSITIVE: IntegerRange = { min: 1, max: UINT32_MAX, meaning: 'a positive integer' };
export const NON_NEGATIVE: IntegerRange = { min: 0, max: UINT32_MAX, meaning: 'a non-negative integer' };
export const PERCENT: IntegerRange = { min: 0, max: 100, meaning: 'a percentage, an integer from 0 to 100' };

export function readInteger(src: MeshSource, f: Field, range: IntegerRange): number | undefined {
  const value = scalarValue(f.node);
  if (typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max) {
    return value;
  }
  src.error(f.path, f.at, `expected ${range.meaning}, got ${describe(src, f.node)}`);
  return undefined;
}

export function readEnum<T extends string>(
  src: MeshSource,
  f: Field,
  values: readonly T[],
  /** With its article, e.g. "a protocol", "an mTLS mode". */
  noun: string,
): T | undefined {
  const value = scalarValue(f.node);
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
  const guess = typeof value === 'string' ? closestMatch(value, values) : undefined;
  const got = typeof value === 'string' ? JSON.stringify(value) : describe(src, f.node);
  const hint = guess ? `; did you mean ${guess}?` : '';
  src.error(f.path, f.at, `${got} is not ${noun}; expected one of ${oneOf(values)}${hint}`);
  return undefined;
}

export interface DurationRule {
  /** Zero is meaningful for a few durations (a route timeout of 0 disables it). */
  readonly allowZero: boolean;
}

export function readDuration(src: MeshSource, f: Field, rule: DurationRule): number | undefined {
  const value = scalarValue(f.node);
  if (typeof value !== 'string') {
    const bare =
      typeof value === 'number' && isScalar(f.node) ? `; a bare number has no unit, write e.g. ${src.textOf(f.node)}s or ${src.textOf(f.node)}ms` : '';
    src.error(f.path, f.at, `expected a duration like ${DURATION_EXAMPLES}, got ${describe(src, f.node)}${bare}`);
    return undefined;
  }
  const parsed = parseDuration(value);
  if (!parsed.ok) {
    src.error(f.path, f.at, `duration ${JSON.stringify(value)} ${parsed.reason}`);
    return undefined;
  }
  if (parsed.ms === 0 && !rule.allowZero) {
    src.error(f.path, f.at, `duration ${JSON.stringify(value)} must be longer than zero`);
    return undefined;
  }
  return parsed.ms;
}

/** A key of a free-form map (subset names, labels, headers) with its value. */
export interface Entry {
  readonly key: string;
  readonly keyAt: Location;
  readonly value: Field;
}

/** Reads a map whose keys the operator chooses; every key must be a string. */
export function readEntries(src: MeshSource, f: Field): Entry[] | undefined {
  if (!isMap(f.node)) {
    src.error(f.path, f.at, `expected a map, got ${describe(src, f.node)}`);
    return undefined;
  }
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const pair of (f.node as YAMLMap<unknown, unknown>).items) {
    const keyNode = src.resolve(pair.key as YamlValue, f.path) ?? null;
    const keyAt = src.locate(keyNode, f.at);
    const key = scalarValue(keyNode);
    if (typeof key !== 'string') {
      src.error(f.path, keyAt, `keys must be strings, got ${describe(src, keyNode)}`);
      continue;
    }
    // The YAML parser already reported the duplicate; reading it again would double the noise.
    if (seen.has(key)) continue;
    seen.add(key);
    const path = childPath(f.path, key);
    const valueNode = src.resolve(pair.value as YamlValue, path);
    const at = src.locate(valueNode === undefined ? (pair.value as YamlValue) : valueNode, keyAt);
    src.remember(path, at, keyAt);
    // A broken alias stays an entry, so the key does not also read as missing.
    entries.push({ key, keyAt, value: { node: valueNode ?? null, path, at, broken: valueNode === undefined } });
  }
  return entries;
}

/** Reads a string → string map such as labels or header matches. */
export function readStringMap(src: MeshSource, f: Field): Record<string, string> | undefined {
  const entries = readEntries(src, f);
  if (!entries) return undefined;
  const result: Record<string, string> = {};
  for (const entry of entries) {
    const value = entry.value.broken ? undefined : readString(src, entry.value);
    if (value !== undefined) result[entry.key] = value;
  }
  return result;
}

export function readList(src: MeshSource, f: Field): Field[] | undefined {
  if (!isSeq(f.node)) {
    src.error(f.path, f.at, `expected a list, got ${describe(src, f.node)}`);
    return undefined;
  }
  const items: Field[] = [];
  f.node.items.forEach((item, index) => {
    const path = itemPath(f.path, index);
    const node = src.resolve(item as YamlValue, path);
    if (node === undefined) return;
    const at = src.locate(node, f.at);
    src.remember(path, at);
    items.push({ node, path, at });
  });
  return items;
}

/** The keys of a map with a fixed schema; unknown keys are reported where they stand. */
export class MapFields {
  private constructor(
    private readonly src: MeshSource,
    readonly path: string,
    readonly at: Location,
    private readonly entries: ReadonlyMap<string, Entry>,
  ) {}

  static read(src: MeshSource, f: Field, known: readonly string[]): MapFields | undefined {
    const entries = readEntries(src, f);
    if (!entries) return undefined;
    const byKey = new Map<string, Entry>();
    for (const entry of entries) {
      if (known.includes(entry.key)) {
        byKey.set(entry.key, entry);
        continue;
      }
      const guess = closestMatch(entry.key, known);
      const hint = guess ? `did you mean ${guess}?` : `expected one of ${oneOf(known)}`;
      src.error(entry.value.path, entry.keyAt, `unknown key ${JSON.stringify(entry.key)}; ${hint}`);
    }
    return new MapFields(src, f.path, f.at, byKey);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  field(key: string): Field | undefined {
    return this.entries.get(key)?.value;
  }

  read<T>(key: string, reader: (f: Field) => T | undefined): T | undefined {
    const f = this.field(key);
    return f && !f.broken ? reader(f) : undefined;
  }

  /** Like `read`, but a missing key is an error pointing at the map that lacks it. */
  require<T>(key: string, reader: (f: Field) => T | undefined, why: string): T | undefined {
    const f = this.field(key);
    if (f) return f.broken ? undefined : reader(f);
    this.src.error(childPath(this.path, key), this.at, `missing ${key}: ${why}`);
    return undefined;
  }
}

/**
 * A share of requests from 0 to 100, decimals allowed to four places (0.01% of a million requests
 * is still 100 of them), as Envoy's FractionalPercent can express with a denominator of a million.
 */
export function readPercentage(src: MeshSource, f: Field): number | undefined {
  const value = scalarValue(f.node);
  // Compared with a tolerance: 0.1 * 10_000 is 1000.0000000000001 in binary floating point.
  if (typeof value === 'number' && value >= 0 && value <= 100 && Math.abs(value * 10_000 - Math.round(value * 10_000)) < 1e-6) {
    return value;
  }
  src.error(f.path, f.at, `expected a percentage from 0 to 100 (at most four decimals, e.g. 0.5), got ${describe(src, f.node)}`);
  return undefined;
}
