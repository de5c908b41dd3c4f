// proto3 JSON → proto-loader input shape, for bootstraps and other hand-written or YAML
// configs. Field names may be lowerCamelCase or the proto names; Anys carry `@type`; the
// well-known types use their special JSON forms. Only JSON-specific problems are reported
// here (unknown or duplicated names, wrong JSON types); the result is then walked like any
// proto-loader object, which reports everything else. Anys come out in proto-loader's
// `{'@type': url, ...fields}` form, which both the walker and protobufjs's fromObject read.
import type * as protobuf from 'protobufjs';
import type { ProblemSink } from '../../../src/proto/validate/problems';
import { describe, fieldPath, indexPath, isPlainObject, keyPath } from '../../../src/proto/validate/problems';
import type { Element } from '../../../src/proto/validate/rule-types';
import type { ScalarType } from '../../../src/proto/validate/scalars';
import { decodeBase64, is64Bit } from '../../../src/proto/validate/scalars';
import type { CompiledField, CompiledType } from '../../../src/proto/validate/schema';
import { compileType } from '../../../src/proto/validate/schema';
import { closest } from '../../../src/proto/validate/suggest';
import { resolveMessageType } from '../../../src/proto/validate/resolve';
import { Walker } from '../../../src/proto/validate/walk';
import { parseJsonDuration, parseJsonFieldMask, parseJsonTimestamp } from './json-wkt';

/** Types whose JSON is not an object of fields; inside an Any they sit under "value". */
const SPECIAL_JSON = new Set([
  'google.protobuf.Any',
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.FieldMask',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

const DECIMAL = /^-?\d+$/;
const MAX_DEPTH = 100;

export class JsonConverter {
  private depth = 0;

  constructor(
    private readonly sink: ProblemSink,
    private readonly root: protobuf.Root,
  ) {}

  /** Returns the proto-loader shape, or undefined when the JSON cannot be this message at all. */
  message(ct: CompiledType, json: unknown, path: string): unknown {
    if (this.depth >= MAX_DEPTH) {
      this.sink.add(path, 'shape.depth', `nesting deeper than ${MAX_DEPTH} levels`);
      return undefined;
    }
    this.depth++;
    try {
      return this.messageAt(ct, json, path);
    } finally {
      this.depth--;
    }
  }

  private messageAt(ct: CompiledType, json: unknown, path: string): unknown {
    if (ct.wrapped) {
      const value = this.scalar(ct.wrapped, json, path);
      return value === undefined ? undefined : { value };
    }
    switch (ct.fullName) {
      case 'google.protobuf.Any':
        return this.any(json, path);
      case 'google.protobuf.Duration':
        return this.special(json, path, 'a duration string like "1.5s"', parseJsonDuration);
      case 'google.protobuf.Timestamp':
        return this.special(json, path, 'an RFC 3339 timestamp', parseJsonTimestamp);
      case 'google.protobuf.FieldMask':
        return this.special(json, path, 'a comma-separated list of lowerCamelCase paths', (t) => {
          const paths = parseJsonFieldMask(t);
          return paths && { paths };
        });
      case 'google.protobuf.Struct':
        return this.struct(json, path);
      case 'google.protobuf.ListValue':
        return this.list(json, path);
      case 'google.protobuf.Value':
        return this.jsonValue(json, path);
      default:
        return this.fields(ct, json, path);
    }
  }

  private fields(ct: CompiledType, json: unknown, path: string): Record<string, unknown> | undefined {
    if (!isPlainObject(json)) {
      this.sink.add(path, 'shape.type', `expected a JSON object for ${ct.fullName}, got ${describe(json)}`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    const usedKey = new Map<string, string>();
    for (const [key, value] of Object.entries(json)) {
      const field = ct.byName.get(key) ?? ct.byJsonName.get(key);
      if (!field) {
        const near = closest(key, [...ct.byName.keys(), ...ct.byJsonName.keys()]);
        this.sink.add(fieldPath(path, key), 'shape.unknown_field', `unknown field ${key} in ${ct.fullName}${near ? `; did you mean ${near}?` : ''}`);
        continue;
      }
      const here = fieldPath(path, field.name);
      const earlier = usedKey.get(field.name);
      if (earlier !== undefined) {
        this.sink.add(here, 'shape.duplicate_field', `field given twice, as ${earlier} and ${key}`);
        continue;
      }
      usedKey.set(field.name, key);
      // In proto3 JSON, null means "default" for every field except google.protobuf.Value.
      if (value === null && !isValueElement(field.element)) continue;
      const converted = this.field(field, value, here);
      if (converted !== undefined) out[field.name] = converted;
    }
    return out;
  }

  private field(f: CompiledField, json: unknown, path: string): unknown {
    if (f.cardinality === 'repeated') {
      if (!Array.isArray(json)) {
        this.sink.add(path, 'shape.type', `expected a JSON array for repeated field ${f.name}, got ${describe(json)}`);
        return undefined;
      }
      // A null item is kept so the walker reports it (except for Value, where null is a value).
      return json.map((item, i) => (item === null && !isValueElement(f.element) ? null : this.element(f.element, item, indexPath(path, i))));
    }
    if (f.cardinality === 'map') {
      if (!isPlainObject(json)) {
        this.sink.add(path, 'shape.type', `expected a JSON object for map field ${f.name}, got ${describe(json)}`);
        return undefined;
      }
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(json)) {
        out[key] = value === null && !isValueElement(f.element) ? null : this.element(f.element, value, keyPath(path, key));
      }
      return out;
    }
    return this.element(f.element, json, path);
  }

  private element(element: Element, json: unknown, path: string): unknown {
    switch (element.kind) {
      case 'scalar':
        return this.scalar(element.scalar, json, path);
      case 'enum':
        // Names and numbers pass through; the walker knows which names exist.
        if (typeof json === 'string' || typeof json === 'number') return json;
        this.sink.add(path, 'shape.type', `expected an enum name or number, got ${describe(json)}`);
        return undefined;
      case 'message':
        return this.message(compileType(element.messageType), json, path);
    }
  }

  /** JSON scalar → proto-loader scalar (64-bit integers as decimal strings, bytes as Buffer). */
  private scalar(type: ScalarType, json: unknown, path: string): unknown {
    const bad = (expected: string): undefined => {
      this.sink.add(path, 'shape.type', `expected ${expected}, got ${describe(json)}`);
      return undefined;
    };
    switch (type) {
      case 'string':
        return typeof json === 'string' ? json : bad('a string');
      case 'bool':
        return typeof json === 'boolean' ? json : bad('true or false');
      case 'bytes': {
        if (typeof json !== 'string') return bad('a base64 string');
        const bytes = decodeBase64(json);
        return bytes ? Buffer.from(bytes) : bad('a base64 string');
      }
      case 'double':
      case 'float':
        // The walker reads "NaN", "Infinity" and numeric strings as proto-loader does.
        return typeof json === 'number' || typeof json === 'string' ? json : bad('a number');
      default: {
        const integral = (typeof json === 'number' && Number.isInteger(json)) || (typeof json === 'string' && DECIMAL.test(json));
        if (!integral) return bad(`an integer (${type})`);
        if (is64Bit(type)) return String(json);
        return typeof json === 'string' ? Number(json) : json;
      }
    }
  }

  private special<T>(json: unknown, path: string, expected: string, parse: (text: string) => T | undefined): T | undefined {
    const parsed = typeof json === 'string' ? parse(json) : undefined;
    if (parsed === undefined) this.sink.add(path, 'shape.type', `expected ${expected}, got ${describe(json)}`);
    return parsed;
  }

  private any(json: unknown, path: string): Record<string, unknown> | undefined {
    if (!isPlainObject(json)) {
      this.sink.add(path, 'shape.type', `expected a JSON object with @type for google.protobuf.Any, got ${describe(json)}`);
      return undefined;
    }
    const typeUrl = json['@type'];
    if (typeof typeUrl !== 'string') {
      this.sink.add(
        fieldPath(path, '@type'),
        'any.type_url',
        typeUrl === undefined ? 'an Any in JSON needs an @type' : `expected a type URL string, got ${describe(typeUrl)}`,
      );
      return undefined;
    }
    const inner = resolveMessageType(this.root, typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
    // Unresolvable: keep the URL so the walker reports it once, with the other Any problems.
    if (!inner) return { type_url: typeUrl, value: Buffer.alloc(0) };
    const ct = compileType(inner);
    const rest: Record<string, unknown> = { ...json };
    delete rest['@type'];
    let shape: unknown;
    if (SPECIAL_JSON.has(ct.fullName)) {
      for (const key of Object.keys(rest)) {
        if (key !== 'value')
          this.sink.add(fieldPath(path, key), 'shape.unknown_field', `unknown field ${key}: an Any holding ${ct.fullName} has only @type and value`);
      }
      shape = this.message(ct, rest.value, path);
    } else {
      shape = this.message(ct, rest, path);
    }
    if (!isPlainObject(shape)) return { '@type': typeUrl };
    if (ct.wellKnown === 'any') return this.packAnyInAny(inner, typeUrl, shape, path);
    return { '@type': typeUrl, ...shape };
  }

  /**
   * An Any holding an Any cannot use the inline form: two `@type` keys cannot nest, and
   * protobufjs's fromObject recurses forever on `{'@type': '…Any'}`. So the inner Any is walked
   * here, where coerced values would still be visible, and packed to bytes, which the main walk
   * decodes again (the duplicate findings are merged by the caller).
   */
  private packAnyInAny(anyType: protobuf.Type, typeUrl: string, shape: Record<string, unknown>, path: string): Record<string, unknown> {
    new Walker(this.sink, this.root).message(compileType(anyType), shape, path, true);
    try {
      return { type_url: typeUrl, value: Buffer.from(anyType.encode(anyType.fromObject(shape)).finish()) };
    } catch (error) {
      this.sink.add(path, 'encode', `cannot pack the inner Any: ${(error as Error).message}`);
      return { type_url: typeUrl, value: Buffer.alloc(0) };
    }
  }

  private struct(json: unknown, path: string): Record<string, unknown> | undefined {
    if (!isPlainObject(json)) {
      this.sink.add(path, 'shape.type', `expected a JSON object for google.protobuf.Struct, got ${describe(json)}`);
      return undefined;
    }
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(json)) fields[key] = this.jsonValue(value, keyPath(fieldPath(path, 'fields'), key));
    return { fields };
  }

  private list(json: unknown, path: string): Record<string, unknown> | undefined {
    if (!Array.isArray(json)) {
      this.sink.add(path, 'shape.type', `expected a JSON array for google.protobuf.ListValue, got ${describe(json)}`);
      return undefined;
    }
    return { values: json.map((item, i) => this.jsonValue(item, indexPath(fieldPath(path, 'values'), i))) };
  }

  /** Any JSON value → google.protobuf.Value. */
  private jsonValue(json: unknown, path: string): Record<string, unknown> | undefined {
    const names = this.valueNames();
    if (json === null) return { [names.nullValue]: 'NULL_VALUE' };
    switch (typeof json) {
      case 'number':
        return { [names.numberValue]: json };
      case 'string':
        return { [names.stringValue]: json };
      case 'boolean':
        return { [names.boolValue]: json };
    }
    if (Array.isArray(json)) return { [names.listValue]: this.list(json, fieldPath(path, names.listValue)) };
    if (isPlainObject(json)) return { [names.structValue]: this.struct(json, fieldPath(path, names.structValue)) };
    this.sink.add(path, 'shape.type', `not a JSON value: ${describe(json)}`);
    return undefined;
  }

  private valueNamesCache: Record<ValueKind, string> | undefined;

  /**
   * google.protobuf.Value's field names as the Root spells them. protobufjs's bundled copy of
   * struct.proto is camelCase (`stringValue`) whatever keepCase says, so look them up by JSON name.
   */
  private valueNames(): Record<ValueKind, string> {
    if (this.valueNamesCache) return this.valueNamesCache;
    const value = resolveMessageType(this.root, 'google.protobuf.Value');
    const ct = value ? compileType(value) : undefined;
    const name = (json: ValueKind): string => ct?.byJsonName.get(json)?.name ?? json;
    this.valueNamesCache = {
      nullValue: name('nullValue'),
      numberValue: name('numberValue'),
      stringValue: name('stringValue'),
      boolValue: name('boolValue'),
      structValue: name('structValue'),
      listValue: name('listValue'),
    };
    return this.valueNamesCache;
  }
}

type ValueKind = 'nullValue' | 'numberValue' | 'stringValue' | 'boolValue' | 'structValue' | 'listValue';

function isValueElement(element: Element): boolean {
  return element.kind === 'message' && element.messageType.fullName === '.google.protobuf.Value';
}
