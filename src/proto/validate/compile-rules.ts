// Turns one field's `(validate.rules)` (as protobufjs parses it into `parsedOptions`) into
// FieldRules. Anything not understood is reported to the context as unchecked, never dropped.
import type { Cardinality, CompileContext, Element, FieldRules, MapRules, RepeatedRules, ValueCheck, Violation } from './rule-types';
import type { ScalarType } from './scalars';
import { isScalarType } from './scalars';
import { RuleReader } from './rule-reader';
import { isPlainObject } from './problems';
import { compileBytesRules, compileStringRules } from './string-rules';
import type { Ordered } from './ordered-rules';
import {
  compileOrderedRules,
  DOUBLE_ORDER,
  DURATION_ORDER,
  FLOAT_ORDER,
  INT32_ORDER,
  INT64_ORDER,
  readSecondsNanos,
  showDuration,
  TIMESTAMP_ORDER,
} from './ordered-rules';

function compileNumericRules(kind: ScalarType, r: RuleReader): ValueCheck[] {
  switch (kind) {
    case 'double':
      return compileOrderedRules(r, DOUBLE_ORDER);
    case 'float':
      return compileOrderedRules(r, FLOAT_ORDER);
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return compileOrderedRules(r, INT64_ORDER);
    default:
      return compileOrderedRules(r, INT32_ORDER);
  }
}

/** Why a rule kind does not fit the field it is on, or undefined when it fits. */
function mismatch(kind: string, element: Element): string | undefined {
  const describe = element.kind === 'scalar' ? element.scalar : element.kind === 'enum' ? 'an enum' : element.messageType.fullName.slice(1);
  const fits = (() => {
    if (isScalarType(kind)) {
      return (element.kind === 'scalar' && element.scalar === kind) || (element.kind === 'message' && element.wrapped === kind);
    }
    switch (kind) {
      case 'enum':
        return element.kind === 'enum';
      case 'any':
      case 'duration':
      case 'timestamp':
        return element.kind === 'message' && element.wellKnown === kind;
      case 'message':
        return element.kind === 'message';
      default:
        return undefined;
    }
  })();
  if (fits === undefined) return 'unknown rule kind';
  return fits ? undefined : `${kind} rules on a field of type ${describe}`;
}

interface Accumulator {
  required: Violation | undefined;
  skip: boolean;
  ignoreEmpty: boolean;
  checks: ValueCheck[];
  repeated: RepeatedRules | undefined;
  map: MapRules | undefined;
}

export function compileFieldRules(
  raw: Record<string, unknown>,
  element: Element,
  cardinality: Cardinality,
  mapKey: ScalarType | undefined,
  ctx: CompileContext,
): FieldRules {
  const acc: Accumulator = { required: undefined, skip: false, ignoreEmpty: false, checks: [], repeated: undefined, map: undefined };
  for (const [kind, value] of Object.entries(raw)) {
    if (!isPlainObject(value)) {
      ctx.unchecked(kind, `unreadable value ${JSON.stringify(value)}`);
      continue;
    }
    const r = new RuleReader(kind, value, ctx);
    if (kind === 'repeated' || kind === 'map') {
      if (cardinality !== kind) ctx.unchecked(kind, `${kind} rules on a ${cardinality} field`);
      else if (kind === 'repeated') acc.repeated = compileRepeated(r, element, ctx);
      else acc.map = compileMap(r, element, mapKey, ctx);
      continue;
    }
    const wrong =
      cardinality === 'single'
        ? mismatch(kind, element)
        : `${kind} rules on a ${cardinality} field (use ${cardinality === 'map' ? 'map.values' : 'repeated.items'})`;
    if (wrong !== undefined) {
      ctx.unchecked(kind, wrong);
      continue;
    }
    compileKind(kind, r, element, acc);
    // ignore_empty (newer PGV, used by Envoy) exists on the scalar kinds only.
    if (isScalarType(kind) && kind !== 'bool') acc.ignoreEmpty = acc.ignoreEmpty || r.bool('ignore_empty');
    r.finish();
  }
  return acc;
}

function compileKind(kind: string, r: RuleReader, element: Element, acc: Accumulator): void {
  if (isScalarType(kind)) {
    if (kind === 'string') acc.checks.push(...compileStringRules(r));
    else if (kind === 'bytes') acc.checks.push(...compileBytesRules(r));
    else if (kind === 'bool') acc.checks.push(...compileBoolRules(r));
    else acc.checks.push(...compileNumericRules(kind, r));
    return;
  }
  switch (kind) {
    case 'message':
      if (r.bool('required')) acc.required = { rule: 'message.required', message: 'value is required' };
      acc.skip = r.bool('skip');
      return;
    case 'enum':
      if (element.kind === 'enum') acc.checks.push(...compileEnumRules(r, element.enumType.valuesById));
      return;
    case 'any':
      if (r.bool('required')) acc.required = { rule: 'any.required', message: 'value is required' };
      acc.checks.push(...compileAnyRules(r));
      return;
    case 'duration':
      if (r.bool('required')) acc.required = { rule: 'duration.required', message: 'value is required' };
      acc.checks.push(...compileOrderedRules(r, DURATION_ORDER));
      return;
    case 'timestamp':
      if (r.bool('required')) acc.required = { rule: 'timestamp.required', message: 'value is required' };
      acc.checks.push(...compileOrderedRules(r, TIMESTAMP_ORDER), ...compileTimestampNowRules(r));
      return;
  }
}

function compileBoolRules(r: RuleReader): ValueCheck[] {
  const constant = r.get('const');
  if (typeof constant !== 'boolean') return [];
  const rule = r.name('const');
  return [(v) => (typeof v === 'boolean' && v !== constant ? { rule, message: `value must equal ${constant}` } : undefined)];
}

function compileEnumRules(r: RuleReader, valuesById: Record<number, string>): ValueCheck[] {
  const checks: ValueCheck[] = [];
  if (r.bool('defined_only')) {
    const rule = r.name('defined_only');
    checks.push((v) =>
      typeof v === 'number' && valuesById[v] === undefined ? { rule, message: `value must be one of the defined enum values, got ${v}` } : undefined,
    );
  }
  const show: Ordered<number> = { ...INT32_ORDER, show: (n) => (valuesById[n] === undefined ? String(n) : `${valuesById[n]} (${n})`) };
  checks.push(...compileOrderedRules(r, show));
  return checks;
}

function compileAnyRules(r: RuleReader): ValueCheck[] {
  const checks: ValueCheck[] = [];
  const inList = r.list('in').filter((v): v is string => typeof v === 'string');
  if (inList.length > 0) {
    const rule = r.name('in');
    checks.push((v) =>
      typeof v === 'string' && !inList.includes(v) ? { rule, message: `type URL must be in list [${inList.join(', ')}], got ${v}` } : undefined,
    );
  }
  const notIn = r.list('not_in').filter((v): v is string => typeof v === 'string');
  if (notIn.length > 0) {
    const rule = r.name('not_in');
    checks.push((v) =>
      typeof v === 'string' && notIn.includes(v) ? { rule, message: `type URL must not be in list [${notIn.join(', ')}], got ${v}` } : undefined,
    );
  }
  return checks;
}

function compileTimestampNowRules(r: RuleReader): ValueCheck[] {
  const checks: ValueCheck[] = [];
  const nowNanos = (): bigint => BigInt(Date.now()) * 1_000_000n;
  if (r.bool('lt_now')) {
    const rule = r.name('lt_now');
    checks.push((v) => (typeof v === 'bigint' && v >= nowNanos() ? { rule, message: 'value must be less than now' } : undefined));
  }
  if (r.bool('gt_now')) {
    const rule = r.name('gt_now');
    checks.push((v) => (typeof v === 'bigint' && v <= nowNanos() ? { rule, message: 'value must be greater than now' } : undefined));
  }
  const withinRaw = r.get('within');
  if (withinRaw !== undefined) {
    const within = readSecondsNanos(withinRaw);
    if (within === undefined) r.unchecked('within', `unreadable value ${JSON.stringify(withinRaw)}`);
    else {
      const rule = r.name('within');
      checks.push((v) => {
        if (typeof v !== 'bigint') return undefined;
        const delta = v - nowNanos();
        return (delta < 0n ? -delta : delta) > within ? { rule, message: `value must be within ${showDuration(within)} of now` } : undefined;
      });
    }
  }
  return checks;
}

function compileRepeated(r: RuleReader, element: Element, ctx: CompileContext): RepeatedRules {
  const itemsRaw = r.record('items');
  const rules: RepeatedRules = {
    minItems: r.count('min_items'),
    maxItems: r.count('max_items'),
    unique: r.bool('unique'),
    ignoreEmpty: r.bool('ignore_empty'),
    items: itemsRaw ? compileFieldRules(itemsRaw, element, 'single', undefined, prefixed(ctx, 'repeated.items.')) : undefined,
  };
  if (rules.unique && element.kind === 'message') r.unchecked('unique', 'unique is only defined for scalar and enum items');
  r.finish();
  return rules;
}

function compileMap(r: RuleReader, element: Element, mapKey: ScalarType | undefined, ctx: CompileContext): MapRules {
  const keysRaw = r.record('keys');
  const valuesRaw = r.record('values');
  // no_sparse forbids unset message values; a proto-loader object cannot express one (null is
  // already a shape error), so it always holds.
  r.get('no_sparse');
  const rules: MapRules = {
    minPairs: r.count('min_pairs'),
    maxPairs: r.count('max_pairs'),
    ignoreEmpty: r.bool('ignore_empty'),
    keys: keysRaw && mapKey ? compileFieldRules(keysRaw, { kind: 'scalar', scalar: mapKey }, 'single', undefined, prefixed(ctx, 'map.keys.')) : undefined,
    values: valuesRaw ? compileFieldRules(valuesRaw, element, 'single', undefined, prefixed(ctx, 'map.values.')) : undefined,
  };
  r.finish();
  return rules;
}

/** Nested rule sets (repeated.items, map.keys/values) report unchecked kinds under their prefix. */
function prefixed(ctx: CompileContext, prefix: string): CompileContext {
  return { where: ctx.where, unchecked: (kind, reason) => ctx.unchecked(prefix + kind, reason) };
}
