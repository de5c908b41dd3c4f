// proto3 JSON (bootstraps written as JSON or YAML) checked against Envoy's protos and
// validate.rules: converted to proto-loader shape, then walked by the product's validator.
// Only tests read proto3 JSON (the product builds proto-loader objects and wire bytes), so the
// converter lives here.
import { protoRoot } from '../../../src/proto/codec';
import { ProblemSink, compiledTypeFor, type ValidationProblem } from '../../../src/proto/validate';
import { Walker } from '../../../src/proto/validate/walk';
import { JsonConverter } from './json';

export interface JsonConversion {
  /** The message in proto-loader shape (Anys in `{'@type', ...fields}` form), if convertible. */
  readonly message: Record<string, unknown> | undefined;
  /** JSON-level problems only (names, JSON types); validateJsonMessage also runs the rules. */
  readonly problems: ValidationProblem[];
}

/** Converts proto3 JSON (camelCase or proto names, `@type` Anys, "1s" durations) to proto-loader shape. */
export function jsonToMessage(typeName: string, json: unknown): JsonConversion {
  const sink = new ProblemSink();
  const ct = compiledTypeFor(typeName, sink);
  const converted = ct ? new JsonConverter(sink, protoRoot()).message(ct, json, '') : undefined;
  const message = typeof converted === 'object' && converted !== null && !Array.isArray(converted) ? (converted as Record<string, unknown>) : undefined;
  return { message, problems: sink.problems };
}

/** Validates proto3 JSON (e.g. a bootstrap parsed from YAML): conversion problems, then every rule. */
export function validateJsonMessage(typeName: string, json: unknown): ValidationProblem[] {
  const { message, problems } = jsonToMessage(typeName, json);
  if (!message) return problems;
  const sink = new ProblemSink();
  const ct = compiledTypeFor(typeName, sink);
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
