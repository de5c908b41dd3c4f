// const / lt / lte / gt / gte / in / not_in, shared by every numeric kind, enums' in/not_in,
// Durations and Timestamps. The range semantics are PGV's: with both a lower and an upper bound,
// the value must lie inside the range when upper > lower, and outside it otherwise (that is how
// Envoy writes "0 or at least 1s": `duration = {lte {} gte {seconds: 1}}`).
import type { Scalar } from './scalars';
import { ruleBigInt } from './scalars';
import type { ValueCheck, Violation } from './rule-types';
import type { RuleReader } from './rule-reader';
import { isPlainObject } from './problems';

export interface Ordered<T extends number | bigint> {
  /** A rule value from the options, or undefined if unreadable. */
  read(value: unknown): T | undefined;
  /** The field's normalized value, or undefined if it is not of this kind. */
  take(value: Scalar): T | undefined;
  show(value: T): string;
}

interface Bound<T> {
  readonly key: string;
  readonly value: T;
  readonly inclusive: boolean;
}

export function compileOrderedRules<T extends number | bigint>(r: RuleReader, o: Ordered<T>): ValueCheck[] {
  const checks: ValueCheck[] = [];
  const readKey = (key: string): T | undefined => {
    const raw = r.get(key);
    if (raw === undefined) return undefined;
    const v = o.read(raw);
    if (v === undefined) r.unchecked(key, `unreadable value ${JSON.stringify(raw)}`);
    return v;
  };

  const constant = readKey('const');
  if (constant !== undefined) {
    const rule = r.name('const');
    checks.push(fieldCheck(o, (v) => (v === constant ? undefined : { rule, message: `value must equal ${o.show(constant)}, got ${o.show(v)}` })));
  }

  const gt = readKey('gt');
  const gte = readKey('gte');
  const lt = readKey('lt');
  const lte = readKey('lte');
  const lower: Bound<T> | undefined =
    gt !== undefined ? { key: 'gt', value: gt, inclusive: false } : gte !== undefined ? { key: 'gte', value: gte, inclusive: true } : undefined;
  const upper: Bound<T> | undefined =
    lt !== undefined ? { key: 'lt', value: lt, inclusive: false } : lte !== undefined ? { key: 'lte', value: lte, inclusive: true } : undefined;
  if (gt !== undefined && gte !== undefined) r.unchecked('gte', 'both gt and gte are set; only gt is checked');
  if (lt !== undefined && lte !== undefined) r.unchecked('lte', 'both lt and lte are set; only lt is checked');
  if (lower || upper) checks.push(fieldCheck(o, rangeCheck(r, o, lower, upper)));

  const inList = readList(r, o, 'in');
  if (inList.length > 0) {
    const rule = r.name('in');
    const shown = inList.map((v) => o.show(v)).join(', ');
    checks.push(fieldCheck(o, (v) => (inList.includes(v) ? undefined : { rule, message: `value must be one of [${shown}], got ${o.show(v)}` })));
  }
  const notIn = readList(r, o, 'not_in');
  if (notIn.length > 0) {
    const rule = r.name('not_in');
    const shown = notIn.map((v) => o.show(v)).join(', ');
    checks.push(fieldCheck(o, (v) => (notIn.includes(v) ? { rule, message: `value must not be one of [${shown}], got ${o.show(v)}` } : undefined)));
  }
  return checks;
}

function readList<T extends number | bigint>(r: RuleReader, o: Ordered<T>, key: string): T[] {
  const out: T[] = [];
  for (const raw of r.list(key)) {
    const v = o.read(raw);
    if (v === undefined) r.unchecked(key, `unreadable value ${JSON.stringify(raw)}`);
    else out.push(v);
  }
  return out;
}

function fieldCheck<T extends number | bigint>(o: Ordered<T>, check: (v: T) => Violation | undefined): ValueCheck {
  return (value) => {
    const v = o.take(value);
    return v === undefined ? undefined : check(v);
  };
}

function rangeCheck<T extends number | bigint>(
  r: RuleReader,
  o: Ordered<T>,
  lower: Bound<T> | undefined,
  upper: Bound<T> | undefined,
): (v: T) => Violation | undefined {
  const aboveLower = (v: T): boolean => !lower || (lower.inclusive ? v >= lower.value : v > lower.value);
  const belowUpper = (v: T): boolean => !upper || (upper.inclusive ? v <= upper.value : v < upper.value);
  if (lower && upper) {
    const rule = `${r.name(lower.key)},${upper.key}`;
    if (upper.value > lower.value) {
      const range = `${lower.inclusive ? '[' : '('}${o.show(lower.value)}, ${o.show(upper.value)}${upper.inclusive ? ']' : ')'}`;
      return (v) => (aboveLower(v) && belowUpper(v) ? undefined : { rule, message: `value must be inside range ${range}, got ${o.show(v)}` });
    }
    const range = `${upper.inclusive ? '(' : '['}${o.show(upper.value)}, ${o.show(lower.value)}${lower.inclusive ? ')' : ']'}`;
    return (v) => (aboveLower(v) || belowUpper(v) ? undefined : { rule, message: `value must be outside range ${range}, got ${o.show(v)}` });
  }
  if (lower) {
    const rule = r.name(lower.key);
    const text = `value must be greater than ${lower.inclusive ? 'or equal to ' : ''}${o.show(lower.value)}`;
    return (v) => (aboveLower(v) ? undefined : { rule, message: `${text}, got ${o.show(v)}` });
  }
  const bound = upper as Bound<T>;
  const rule = r.name(bound.key);
  const text = `value must be less than ${bound.inclusive ? 'or equal to ' : ''}${o.show(bound.value)}`;
  return (v) => (belowUpper(v) ? undefined : { rule, message: `${text}, got ${o.show(v)}` });
}

// ---- the kinds ----

export const INT32_ORDER: Ordered<number> = {
  read: (v) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined),
  take: (v) => (typeof v === 'number' ? v : undefined),
  show: String,
};

export const INT64_ORDER: Ordered<bigint> = {
  read: ruleBigInt,
  take: (v) => (typeof v === 'bigint' ? v : undefined),
  show: String,
};

export const DOUBLE_ORDER: Ordered<number> = {
  read: (v) => (typeof v === 'number' ? v : undefined),
  take: (v) => (typeof v === 'number' ? v : undefined),
  show: String,
};

// A float field holds a float32 on the wire, and PGV compares float32 to float32.
export const FLOAT_ORDER: Ordered<number> = {
  read: (v) => (typeof v === 'number' ? Math.fround(v) : undefined),
  take: (v) => (typeof v === 'number' ? Math.fround(v) : undefined),
  show: String,
};

const NANOS_PER_SECOND = 1_000_000_000n;

/** A {seconds, nanos} rule value as total nanoseconds; `{}` is zero. */
export function readSecondsNanos(value: unknown): bigint | undefined {
  if (!isPlainObject(value)) return undefined;
  const seconds = value.seconds === undefined ? 0n : ruleBigInt(value.seconds);
  const nanos = value.nanos === undefined ? 0n : ruleBigInt(value.nanos);
  if (seconds === undefined || nanos === undefined) return undefined;
  return seconds * NANOS_PER_SECOND + nanos;
}

export function showDuration(nanos: bigint): string {
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const whole = abs / NANOS_PER_SECOND;
  const frac = abs % NANOS_PER_SECOND;
  const fracText = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${sign}${whole}${fracText}s`;
}

export function showTimestamp(nanos: bigint): string {
  const millis = Number(nanos / 1_000_000n);
  const date = new Date(millis);
  return Number.isNaN(date.getTime()) ? `${showDuration(nanos)} since the epoch` : date.toISOString();
}

export const DURATION_ORDER: Ordered<bigint> = {
  read: readSecondsNanos,
  take: (v) => (typeof v === 'bigint' ? v : undefined),
  show: showDuration,
};

export const TIMESTAMP_ORDER: Ordered<bigint> = {
  read: readSecondsNanos,
  take: (v) => (typeof v === 'bigint' ? v : undefined),
  show: showTimestamp,
};
