// Validation of Envoy resources and bootstraps against Envoy's own definitions (see ARCHITECTURE.md): the
// message must decode strictly with the vendored protos (unknown fields, wrong types and
// unknown enum names are errors; every Any must resolve and its contents are validated too) and
// satisfy their protoc-gen-validate (`validate.rules`) annotations.
//
// Three inputs: proto-loader objects (what translate builds), wire bytes (what the cache sends),
// and proto3 JSON (bootstraps written as JSON/YAML). All report the same ValidationProblems with
// paths in proto field names, e.g.
// `filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].domains`.
import { protoRoot } from './codec';
import { JsonConverter } from './validate/json';
import type { ValidationProblem } from './validate/problems';
import { ProblemSink } from './validate/problems';
import type { CompiledType, UncheckedRule } from './validate/schema';
import { compileAll, compileType, uncheckedSoFar } from './validate/schema';
import { resolveMessageType } from './validate/resolve';
import { Walker } from './validate/walk';
import { decodeStrict } from './validate/wire';

export type { ValidationProblem } from './validate/problems';
export type { UncheckedRule } from './validate/schema';

function resolve(typeName: string, sink: ProblemSink): CompiledType | undefined {
  // Accept a bare name, a leading dot, or a type URL.
  const name = typeName.slice(typeName.lastIndexOf('/') + 1);
  const type = resolveMessageType(protoRoot(), name);
  if (!type) {
    sink.add('', 'type', `unknown message type ${typeName}`);
    return undefined;
  }
  return compileType(type);
}

/** Validates a message in @grpc/proto-loader input shape (snake_case keys). */
export function validateMessage(typeName: string, message: object): ValidationProblem[] {
  const sink = new ProblemSink();
  const ct = resolve(typeName, sink);
  if (ct) new Walker(sink, protoRoot()).message(ct, message, '', true);
  return sink.problems;
}

/** Decodes wire bytes strictly (unknown field numbers are errors), then validates the message. */
export function validateMessageBytes(typeName: string, bytes: Uint8Array): ValidationProblem[] {
  const sink = new ProblemSink();
  const ct = resolve(typeName, sink);
  if (!ct) return sink.problems;
  const decoded = decodeStrict(ct.type, bytes, '', sink);
  if (decoded) new Walker(sink, protoRoot()).message(ct, decoded, '', true);
  return sink.problems;
}

export interface JsonConversion {
  /** The message in proto-loader shape (Anys in `{'@type', ...fields}` form), if convertible. */
  readonly message: Record<string, unknown> | undefined;
  /** JSON-level problems only (names, JSON types); validateJsonMessage also runs the rules. */
  readonly problems: ValidationProblem[];
}

/** Converts proto3 JSON (camelCase or proto names, `@type` Anys, "1s" durations) to proto-loader shape. */
export function jsonToMessage(typeName: string, json: unknown): JsonConversion {
  const sink = new ProblemSink();
  const ct = resolve(typeName, sink);
  const converted = ct ? new JsonConverter(sink, protoRoot()).message(ct, json, '') : undefined;
  const message = typeof converted === 'object' && converted !== null && !Array.isArray(converted) ? (converted as Record<string, unknown>) : undefined;
  return { message, problems: sink.problems };
}

/** Validates proto3 JSON (e.g. a bootstrap parsed from YAML): conversion problems, then every rule. */
export function validateJsonMessage(typeName: string, json: unknown): ValidationProblem[] {
  const { message, problems } = jsonToMessage(typeName, json);
  if (!message) return problems;
  const sink = new ProblemSink();
  const ct = resolve(typeName, sink);
  if (!ct) return problems;
  new Walker(sink, protoRoot()).message(ct, message, '', true);
  if (problems.length === 0 && sink.problems.length === 0) {
    // The walked shape must also be encodable as-is; a failure here is a validator bug to fix.
    try {
      ct.type.encode(ct.type.fromObject(message)).finish();
    } catch (error) {
      sink.add('', 'encode', `protobufjs cannot encode the converted message: ${(error as Error).message}`);
    }
  }
  return dedupe([...problems, ...sink.problems]);
}

function dedupe(problems: ValidationProblem[]): ValidationProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The validate.rules found in the vendored protos that this validator does not check (unknown
 * kinds, RE2-only patterns, rules on the wrong field type), with where they occur. Compiles
 * every message type first, so the answer covers the whole Root, not just what was validated.
 */
export function uncheckedRuleKinds(): UncheckedRule[] {
  compileAll(protoRoot());
  return uncheckedSoFar();
}
