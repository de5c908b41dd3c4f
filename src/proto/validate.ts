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
import type { ValidationProblem } from './validate/problems';
import { ProblemSink } from './validate/problems';
import type { CompiledType, UncheckedRule } from './validate/schema';
import { compileAll, compileType, uncheckedSoFar } from './validate/schema';
import { resolveMessageType } from './validate/resolve';
import { Walker } from './validate/walk';
import { decodeStrict } from './validate/wire';

export type { ValidationProblem } from './validate/problems';
export type { UncheckedRule } from './validate/schema';
export { ProblemSink } from './validate/problems';

/** The compiled rules of a message type (a bare name, a leading dot, or a type URL); a problem when unknown. */
export function compiledTypeFor(typeName: string, sink: ProblemSink): CompiledType | undefined {
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
  const ct = compiledTypeFor(typeName, sink);
  if (ct) new Walker(sink, protoRoot()).message(ct, message, '', true);
  return sink.problems;
}

/** Decodes wire bytes strictly (unknown field numbers are errors), then validates the message. */
export function validateMessageBytes(typeName: string, bytes: Uint8Array): ValidationProblem[] {
  const sink = new ProblemSink();
  const ct = compiledTypeFor(typeName, sink);
  if (!ct) return sink.problems;
  const decoded = decodeStrict(ct.type, bytes, '', sink);
  if (decoded) new Walker(sink, protoRoot()).message(ct, decoded, '', true);
  return sink.problems;
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
