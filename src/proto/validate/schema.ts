// Per-message-type plans: fields with their element kind and compiled rules, oneofs, JSON
// names. Built once per protobufjs Type and cached, so validating thousands of resources never
// re-reads options.
import * as protobuf from 'protobufjs';
import type { Cardinality, CompileContext, Element, FieldRules, WellKnown } from './rule-types';
import type { Scalar, ScalarType } from './scalars';
import { isScalarType, scalarDefault } from './scalars';
import { compileFieldRules } from './compile-rules';
import { isPlainObject } from './problems';

export interface CompiledField {
  readonly name: string;
  readonly jsonName: string;
  readonly element: Element;
  readonly cardinality: Cardinality;
  readonly mapKey: ScalarType | undefined;
  /** The oneof (real, or synthetic for proto3 `optional`) the field belongs to. */
  readonly oneof: string | undefined;
  readonly rules: FieldRules | undefined;
  /** The proto3 default of a scalar or enum field: what PGV checks when the field is unset. */
  readonly defaultValue: Scalar | undefined;
}

export interface CompiledOneof {
  readonly name: string;
  readonly members: readonly string[];
  readonly required: boolean;
}

export interface CompiledType {
  readonly type: protobuf.Type;
  /** Without the leading dot, e.g. `envoy.config.cluster.v3.Cluster`. */
  readonly fullName: string;
  readonly fields: readonly CompiledField[];
  readonly byName: ReadonlyMap<string, CompiledField>;
  readonly byJsonName: ReadonlyMap<string, CompiledField>;
  readonly oneofs: readonly CompiledOneof[];
  readonly oneofByName: ReadonlyMap<string, CompiledOneof>;
  /** `option (validate.disabled) = true`: no rules apply inside this message. */
  readonly rulesDisabled: boolean;
  readonly wellKnown: WellKnown | undefined;
  readonly wrapped: ScalarType | undefined;
}

const WRAPPERS: Readonly<Record<string, ScalarType>> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

const WELL_KNOWN: Readonly<Record<string, WellKnown>> = {
  'google.protobuf.Any': 'any',
  'google.protobuf.Duration': 'duration',
  'google.protobuf.Timestamp': 'timestamp',
};

// ---- unchecked rules: every rule kind seen in the protos that this validator cannot check ----

const unchecked = new Map<string, Map<string, string | undefined>>();

function recordUnchecked(kind: string, where: string, reason: string | undefined): void {
  let sites = unchecked.get(kind);
  if (!sites) {
    sites = new Map();
    unchecked.set(kind, sites);
  }
  if (!sites.has(where)) sites.set(where, reason);
}

export interface UncheckedRule {
  /** e.g. `string.well_known_regex` or `message option (validate.ignored)`. */
  readonly rule: string;
  /** Fully qualified fields (or messages/oneofs) carrying it, with the reason when known. */
  readonly sites: readonly { readonly where: string; readonly reason?: string }[];
}

export function uncheckedSoFar(): UncheckedRule[] {
  return [...unchecked.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rule, sites]) => ({ rule, sites: [...sites.entries()].map(([where, reason]) => (reason === undefined ? { where } : { where, reason })) }));
}

// ---- compilation ----

const cache = new WeakMap<protobuf.Type, CompiledType>();

export function compileType(type: protobuf.Type): CompiledType {
  const cached = cache.get(type);
  if (cached) return cached;
  const fullName = type.fullName.replace(/^\./, '');
  const fields = type.fieldsArray.map((f) => compileField(fullName, f));
  const oneofs = type.oneofsArray.map((o) => compileOneof(fullName, o));
  const compiled: CompiledType = {
    type,
    fullName,
    fields,
    byName: new Map(fields.map((f) => [f.name, f])),
    byJsonName: new Map(fields.map((f) => [f.jsonName, f])),
    oneofs,
    oneofByName: new Map(oneofs.map((o) => [o.name, o])),
    rulesDisabled: readMessageOptions(fullName, type),
    wellKnown: WRAPPERS[fullName] ? 'wrapper' : WELL_KNOWN[fullName],
    wrapped: WRAPPERS[fullName],
  };
  cache.set(type, compiled);
  return compiled;
}

function readMessageOptions(fullName: string, type: protobuf.Type): boolean {
  let disabled = false;
  for (const [key, value] of Object.entries(type.options ?? {})) {
    if (!key.startsWith('(validate.')) continue;
    if (key === '(validate.disabled)') disabled = value === true;
    else recordUnchecked(`message option ${key}`, fullName, undefined);
  }
  return disabled;
}

function compileOneof(typeName: string, oneof: protobuf.OneOf): CompiledOneof {
  let required = false;
  for (const [key, value] of Object.entries(oneof.options ?? {})) {
    if (!key.startsWith('(validate.')) continue;
    if (key === '(validate.required)') required = value === true;
    else recordUnchecked(`oneof option ${key}`, `${typeName}.${oneof.name}`, undefined);
  }
  return { name: oneof.name, members: oneof.fieldsArray.map((f) => f.name), required };
}

/** protoc's default JSON name: drop underscores, upper-case the letter after each. */
export function defaultJsonName(name: string): string {
  return name.replace(/_+([a-z0-9]?)/g, (_m, c: string) => c.toUpperCase());
}

export function elementOf(field: protobuf.Field): Element {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const name = resolved.fullName.replace(/^\./, '');
    return { kind: 'message', messageType: resolved, wellKnown: WRAPPERS[name] ? 'wrapper' : WELL_KNOWN[name], wrapped: WRAPPERS[name] };
  }
  if (resolved instanceof protobuf.Enum) return { kind: 'enum', enumType: resolved };
  if (isScalarType(field.type)) return { kind: 'scalar', scalar: field.type };
  throw new Error(`unsupported field type ${field.type} for ${field.fullName} (unresolved?)`);
}

function compileField(typeName: string, field: protobuf.Field): CompiledField {
  const element = elementOf(field);
  const isMap = field instanceof protobuf.MapField;
  const cardinality: Cardinality = isMap ? 'map' : field.repeated ? 'repeated' : 'single';
  const mapKey = isMap && isScalarType(field.keyType) ? field.keyType : undefined;
  const where = `${typeName}.${field.name}`;
  const ctx: CompileContext = { where, unchecked: (kind, reason) => recordUnchecked(kind, where, reason) };
  const raw = rulesOf(field, where);
  const jsonName = typeof field.options?.json_name === 'string' ? field.options.json_name : defaultJsonName(field.name);
  return {
    name: field.name,
    jsonName,
    element,
    cardinality,
    mapKey,
    oneof: field.partOf?.name,
    rules: raw ? compileFieldRules(raw, element, cardinality, mapKey, ctx) : undefined,
    defaultValue: element.kind === 'scalar' ? scalarDefault(element.scalar) : element.kind === 'enum' ? firstEnumValue(element.enumType) : undefined,
  };
}

function firstEnumValue(enumType: protobuf.Enum): number {
  const first = Object.values(enumType.values)[0];
  return typeof first === 'number' ? first : 0;
}

/** The field's (validate.rules), merged if protobufjs split them over several option entries. */
function rulesOf(field: protobuf.Field, where: string): Record<string, unknown> | undefined {
  let merged: Record<string, unknown> | undefined;
  for (const entry of (field.parsedOptions ?? []) as unknown[]) {
    if (!isPlainObject(entry)) continue;
    for (const [key, value] of Object.entries(entry)) {
      if (key === '(validate.rules)' && isPlainObject(value)) merged = deepMerge(merged ?? {}, value);
      else if (key.startsWith('(validate.')) recordUnchecked(`field option ${key}`, where, undefined);
    }
  }
  return merged;
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    into[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge({ ...existing }, value) : value;
  }
  return into;
}

/** Compiles every message type under the namespace, so that uncheckedSoFar() is complete. */
export function compileAll(ns: protobuf.NamespaceBase): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) compileType(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) compileAll(nested);
  }
}
