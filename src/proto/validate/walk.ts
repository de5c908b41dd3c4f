// The strict walk over a message in @grpc/proto-loader's input shape: every key must be a field
// (or a oneof discriminator), every value the right JS type, at most one member per oneof; PGV
// rules are applied on the way, including to unset scalars (proto3: unset means default, and
// PGV checks the default). Any fields are resolved, decoded and walked as their packed type, so
// paths run straight through `typed_config`.
import type * as protobuf from 'protobufjs';
import type { ProblemSink } from './problems';
import { describe, fieldPath, indexPath, isPlainObject, keyPath } from './problems';
import type { Element, FieldRules } from './rule-types';
import type { Scalar } from './scalars';
import { Mismatch, readScalar } from './scalars';
import type { CompiledField, CompiledType } from './schema';
import { compileType } from './schema';
import { closest } from './suggest';
import { decodeStrict } from './wire';
import { showDuration } from './ordered-rules';
import { isEmpty, messageScalar, readEnum, readMapKey, secondsAndNanos } from './message-values';
import { resolveMessageType } from './resolve';

// Envoy's parsers stop at 100 levels of nesting; deeper input is also how a cycle shows up.
const MAX_DEPTH = 100;

/**
 * Message objects already walked with their rules on and found clean, by type. Translation
 * shares objects between proxy groups (a service's virtual host sits in every caller's route
 * configuration), and a message's validity does not depend on where it sits, so each shared
 * object is walked once. Objects are weakly held; translation output is never mutated.
 */
const knownValid = new WeakMap<object, Set<CompiledType>>();

export class Walker {
  private depth = 0;

  constructor(
    private readonly sink: ProblemSink,
    private readonly root: protobuf.Root,
  ) {}

  message(ct: CompiledType, value: unknown, path: string, rulesOn: boolean): void {
    if (!isPlainObject(value)) {
      this.sink.add(path, 'shape.type', `expected a ${ct.fullName} object, got ${describe(value)}`);
      return;
    }
    if (this.depth >= MAX_DEPTH) {
      this.sink.add(path, 'shape.depth', `nesting deeper than ${MAX_DEPTH} levels`);
      return;
    }
    // Clean with rules on implies clean with them off, so a known-valid object is skipped either way.
    if (knownValid.get(value)?.has(ct)) return;
    const problemsBefore = this.sink.problems.length;
    this.depth++;
    try {
      if (ct.wellKnown === 'any') this.any(value, path, rulesOn);
      else this.fields(ct, value, path, rulesOn && !ct.rulesDisabled);
    } finally {
      this.depth--;
    }
    if (rulesOn && this.sink.problems.length === problemsBefore) {
      const types = knownValid.get(value);
      if (types) types.add(ct);
      else knownValid.set(value, new Set([ct]));
    }
  }

  private fields(ct: CompiledType, obj: Record<string, unknown>, path: string, on: boolean): void {
    this.checkKeys(ct, obj, path);
    for (const field of ct.fields) this.field(field, obj, path, on);
    this.checkOneofs(ct, obj, path, on);
    if (ct.wellKnown === 'duration') this.checkDuration(obj, path);
    else if (ct.wellKnown === 'timestamp') this.checkTimestamp(obj, path);
  }

  private checkKeys(ct: CompiledType, obj: Record<string, unknown>, path: string): void {
    for (const key of Object.keys(obj)) {
      const value = obj[key];
      if (value === undefined || ct.byName.has(key)) continue;
      const oneof = ct.oneofByName.get(key);
      if (oneof) {
        // proto-loader's output shape names the set member in a virtual `<oneof>` key.
        if (typeof value !== 'string' || !oneof.members.includes(value)) {
          this.sink.add(fieldPath(path, key), 'shape.oneof', `oneof discriminator ${key} must name one of ${oneof.members.join(', ')}, got ${describe(value)}`);
        }
        continue;
      }
      const camel = ct.byJsonName.get(key);
      const hint = camel ? `; proto-loader objects use the proto name ${camel.name}` : suggestion(key, ct);
      this.sink.add(fieldPath(path, key), 'shape.unknown_field', `unknown field ${key} in ${ct.fullName}${hint}`);
    }
  }

  private field(f: CompiledField, obj: Record<string, unknown>, path: string, on: boolean): void {
    const raw = obj[f.name];
    const present = raw !== undefined && raw !== null;
    const rules = on ? f.rules : undefined;
    // Most fields of a big message (Cluster has ~50) are unset and rule-free: skip them cheaply.
    if (!present && !rules) return;
    const here = fieldPath(path, f.name);
    if (f.cardinality === 'repeated') {
      this.repeated(f, present ? raw : undefined, here, on, rules);
    } else if (f.cardinality === 'map') {
      this.map(f, present ? raw : undefined, here, on, rules);
    } else if (present) {
      this.value(f.element, raw, here, on, rules);
    } else if (rules && f.oneof === undefined) {
      // Only the member of a oneof that is set gets validated; other unset fields still count.
      if (f.element.kind === 'message') {
        if (rules.required) this.sink.add(here, rules.required.rule, rules.required.message);
      } else if (f.defaultValue !== undefined) {
        this.apply(rules, f.defaultValue, here);
      }
    }
  }

  /** Walks one value of an element type; returns the normalized scalar for scalars and enums. */
  private value(element: Element, value: unknown, path: string, on: boolean, rules: FieldRules | undefined): Scalar | undefined {
    if (element.kind === 'message') {
      const ct = compileType(element.messageType);
      this.message(ct, value, path, on && !(rules?.skip ?? false));
      if (rules && rules.checks.length > 0 && isPlainObject(value)) {
        const inner = messageScalar(ct, value);
        if (inner !== undefined) this.apply(rules, inner, path);
      }
      return undefined;
    }
    const v = element.kind === 'enum' ? readEnum(element.enumType, value) : readScalar(element.scalar, value);
    if (v instanceof Mismatch) {
      this.sink.add(path, 'shape.type', `${v.reason}, got ${describe(value)}`);
      return undefined;
    }
    if (rules) this.apply(rules, v, path);
    return v;
  }

  private apply(rules: FieldRules, value: Scalar, path: string): void {
    if (rules.ignoreEmpty && isEmpty(value)) return;
    for (const check of rules.checks) {
      const violation = check(value);
      if (violation) this.sink.add(path, violation.rule, violation.message);
    }
  }

  private repeated(f: CompiledField, raw: unknown, path: string, on: boolean, rules: FieldRules | undefined): void {
    if (raw !== undefined && !Array.isArray(raw)) {
      this.sink.add(path, 'shape.type', `expected an array for repeated field ${f.name}, got ${describe(raw)}`);
      return;
    }
    const items: readonly unknown[] = raw ?? [];
    const r = rules?.repeated;
    const seen = r?.unique ? new Map<unknown, number>() : undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const here = indexPath(path, i);
      if (item === undefined || item === null) {
        this.sink.add(here, 'shape.type', `repeated field ${f.name} cannot hold ${describe(item)}`);
        continue;
      }
      const v = this.value(f.element, item, here, on && !(r?.items?.skip ?? false), r?.items);
      if (seen && v !== undefined) {
        const key = v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('hex')}` : v;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else this.sink.add(here, 'repeated.unique', `repeated value must contain unique items; this repeats item [${first}]`);
      }
    }
    if (r && !(r.ignoreEmpty && items.length === 0)) {
      if (r.minItems !== undefined && items.length < r.minItems)
        this.sink.add(path, 'repeated.min_items', `value must contain at least ${r.minItems} item(s), got ${items.length}`);
      if (r.maxItems !== undefined && items.length > r.maxItems)
        this.sink.add(path, 'repeated.max_items', `value must contain no more than ${r.maxItems} item(s), got ${items.length}`);
    }
  }

  private map(f: CompiledField, raw: unknown, path: string, on: boolean, rules: FieldRules | undefined): void {
    if (raw !== undefined && !isPlainObject(raw)) {
      this.sink.add(path, 'shape.type', `expected an object for map field ${f.name}, got ${describe(raw)}`);
      return;
    }
    const obj = raw ?? {};
    const r = rules?.map;
    let pairs = 0;
    for (const key of Object.keys(obj)) {
      const value = obj[key];
      if (value === undefined) continue;
      pairs++;
      const here = keyPath(path, key);
      const k = readMapKey(f.mapKey ?? 'string', key);
      if (k instanceof Mismatch) this.sink.add(here, 'shape.type', `map key: ${k.reason}`);
      else if (r?.keys) this.apply(r.keys, k, here);
      if (value === null) {
        this.sink.add(here, 'shape.type', `map field ${f.name} cannot hold null`);
        continue;
      }
      this.value(f.element, value, here, on && !(r?.values?.skip ?? false), r?.values);
    }
    if (r && !(r.ignoreEmpty && pairs === 0)) {
      if (r.minPairs !== undefined && pairs < r.minPairs)
        this.sink.add(path, 'map.min_pairs', `value must contain at least ${r.minPairs} pair(s), got ${pairs}`);
      if (r.maxPairs !== undefined && pairs > r.maxPairs)
        this.sink.add(path, 'map.max_pairs', `value must contain no more than ${r.maxPairs} pair(s), got ${pairs}`);
    }
  }

  private checkOneofs(ct: CompiledType, obj: Record<string, unknown>, path: string, on: boolean): void {
    for (const oneof of ct.oneofs) {
      const set = oneof.members.filter((m) => obj[m] !== undefined && obj[m] !== null);
      if (set.length > 1) {
        this.sink.add(fieldPath(path, oneof.name), 'shape.oneof', `only one of ${oneof.members.join(', ')} may be set, got ${set.join(' and ')}`);
      } else if (set.length === 0 && oneof.required && on) {
        this.sink.add(fieldPath(path, oneof.name), 'oneof.required', `exactly one of ${oneof.members.join(', ')} must be set`);
      }
    }
  }

  private checkDuration(obj: Record<string, unknown>, path: string): void {
    const parts = secondsAndNanos(obj);
    if (!parts) return; // the field walk already reported the bad types
    const [seconds, nanos] = parts;
    if (
      seconds < -MAX_DURATION_SECONDS ||
      seconds > MAX_DURATION_SECONDS ||
      nanos < -999_999_999 ||
      nanos > 999_999_999 ||
      (seconds > 0n && nanos < 0) ||
      (seconds < 0n && nanos > 0)
    ) {
      this.sink.add(
        path,
        'google.protobuf.Duration',
        `not a valid Duration (seconds ${seconds}, nanos ${nanos}): seconds must be within ±${MAX_DURATION_SECONDS}, nanos within ±999999999 with the same sign`,
      );
    } else if (seconds < 0n || nanos < 0) {
      // Envoy's DurationUtil rejects negative durations wherever it reads one.
      this.sink.add(path, 'envoy.duration', `Envoy rejects negative durations, got ${showDuration(seconds * 1_000_000_000n + BigInt(nanos))}`);
    }
  }

  private checkTimestamp(obj: Record<string, unknown>, path: string): void {
    const parts = secondsAndNanos(obj);
    if (!parts) return;
    const [seconds, nanos] = parts;
    if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS || nanos < 0 || nanos > 999_999_999) {
      this.sink.add(
        path,
        'google.protobuf.Timestamp',
        `not a valid Timestamp (seconds ${seconds}, nanos ${nanos}): must lie in 0001-01-01..9999-12-31 with nanos in 0..999999999`,
      );
    }
  }

  private any(obj: Record<string, unknown>, path: string, on: boolean): void {
    const atType = obj['@type'];
    if (atType !== undefined) {
      this.anyExtension(atType, obj, path, on);
      return;
    }
    for (const key of Object.keys(obj)) {
      if (key !== 'type_url' && key !== 'value' && obj[key] !== undefined) {
        this.sink.add(fieldPath(path, key), 'shape.unknown_field', `unknown field ${key} in google.protobuf.Any (expected type_url and value, or @type)`);
      }
    }
    const typeUrl = obj.type_url ?? '';
    if (typeof typeUrl !== 'string') {
      this.sink.add(fieldPath(path, 'type_url'), 'shape.type', `expected a string, got ${describe(typeUrl)}`);
      return;
    }
    const bytes = obj.value === undefined || obj.value === null ? new Uint8Array(0) : readScalar('bytes', obj.value);
    if (bytes instanceof Mismatch || !(bytes instanceof Uint8Array)) {
      this.sink.add(fieldPath(path, 'value'), 'shape.type', `${bytes instanceof Mismatch ? bytes.reason : 'expected bytes'}, got ${describe(obj.value)}`);
      return;
    }
    const inner = this.resolveTypeUrl(typeUrl, fieldPath(path, 'type_url'));
    if (!inner) return;
    const decoded = decodeStrict(inner, bytes, path, this.sink);
    if (decoded) this.message(compileType(inner), decoded, path, on);
  }

  /** proto-loader also accepts `{'@type': url, ...fields}` for an Any; walk the fields inline. */
  private anyExtension(atType: unknown, obj: Record<string, unknown>, path: string, on: boolean): void {
    if (typeof atType !== 'string') {
      this.sink.add(fieldPath(path, '@type'), 'shape.type', `expected a type URL string, got ${describe(atType)}`);
      return;
    }
    const inner = this.resolveTypeUrl(atType, fieldPath(path, '@type'));
    if (!inner) return;
    const rest: Record<string, unknown> = { ...obj };
    delete rest['@type'];
    this.message(compileType(inner), rest, path, on);
  }

  private resolveTypeUrl(typeUrl: string, path: string): protobuf.Type | undefined {
    const slash = typeUrl.lastIndexOf('/');
    if (typeUrl === '' || slash < 0) {
      this.sink.add(
        path,
        'any.type_url',
        typeUrl === ''
          ? 'Any has no type URL, so nothing can unpack it'
          : `type URL ${JSON.stringify(typeUrl)} has no '/' (expected type.googleapis.com/<message name>)`,
      );
      return undefined;
    }
    const found = resolveMessageType(this.root, typeUrl.slice(slash + 1));
    if (!found) this.sink.add(path, 'any.type_url', `unknown type URL ${typeUrl}: no such message type in the vendored protos`);
    return found;
  }
}

const MAX_DURATION_SECONDS = 315_576_000_000n;
const MIN_TIMESTAMP_SECONDS = -62_135_596_800n;
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n;

function suggestion(key: string, ct: CompiledType): string {
  const near = closest(key, ct.byName.keys());
  return near ? `; did you mean ${near}?` : '';
}
