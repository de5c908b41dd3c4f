// Route retries. Envoy understands HTTP and gRPC retry conditions; proxyless gRPC understands
// only the gRPC status names (gRFC A44) and ignores anything else in retry_on.
import type { RetryPolicy as EnvoyRetryPolicy } from '../generated/envoy/config/route/v3/RetryPolicy';
import type { RetryPolicy, ServicePolicy } from '../model';
import { isGrpcClient, type TranslateContext } from './context';
import { durationFromMs } from '../util/durations';

const GRPC_CONDITIONS = ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'] as const;
const HTTP_CONDITIONS = [
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
] as const;

// What a gRPC client sees when these HTTP-level failures happen: a refused or reset stream, a
// failed connection and a 502/503/504 all surface as UNAVAILABLE (gRPC's HTTP-to-status mapping).
const GRPC_EQUIVALENT: Readonly<Record<string, string>> = {
  '5xx': 'unavailable',
  'gateway-error': 'unavailable',
  reset: 'unavailable',
  'reset-before-request': 'unavailable',
  'connect-failure': 'unavailable',
  'refused-stream': 'unavailable',
  'http3-post-connect-failure': 'unavailable',
};

/** Used when the mesh file gives attempts but no retryOn: the failures it is safe and useful to retry. */
function defaultRetryOn(ctx: TranslateContext, service: ServicePolicy): string {
  if (isGrpcClient(ctx)) return 'unavailable';
  return service.protocol === 'grpc' ? 'unavailable,reset,connect-failure,refused-stream' : '5xx,reset,connect-failure,refused-stream';
}

// grpc-js caps a call at 5 attempts (grpc-node.retry_max_attempts_limit), the first one included.
const GRPC_MAX_RETRIES = 4;

export function buildRetryPolicy(ctx: TranslateContext, service: ServicePolicy, retries: RetryPolicy | undefined): EnvoyRetryPolicy | undefined {
  // gRPC rejects num_retries < 1, and zero retries means no retry policy anyway.
  if (!retries || retries.attempts < 1) return undefined;
  const grpc = isGrpcClient(ctx);
  const retryOn = retries.retryOn === undefined ? defaultRetryOn(ctx, service) : translateConditions(ctx, service, retries.retryOn);
  if (retryOn === '') return undefined;
  if (grpc && retries.perTryTimeoutMs !== undefined) {
    ctx.warnings.add(service.name, 'gRPC clients do not apply perTryTimeout; only the route timeout bounds a call');
  }
  if (grpc && retries.attempts > GRPC_MAX_RETRIES) {
    ctx.warnings.add(service.name, `gRPC clients make at most ${GRPC_MAX_RETRIES} retries; attempts: ${retries.attempts} is capped`);
  }
  return {
    retry_on: retryOn,
    num_retries: { value: retries.attempts },
    ...(!grpc && retries.perTryTimeoutMs !== undefined && { per_try_timeout: durationFromMs(retries.perTryTimeoutMs) }),
  };
}

/** retry_on for this consumer: Envoy keeps the conditions it knows; gRPC gets their gRPC equivalents. */
function translateConditions(ctx: TranslateContext, service: ServicePolicy, retryOn: string): string {
  const wanted = retryOn
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const out: string[] = [];
  const add = (c: string) => {
    if (!out.includes(c)) out.push(c);
  };
  const grpc = isGrpcClient(ctx);
  const mapped: string[] = [];
  const dropped: string[] = [];
  for (const condition of wanted) {
    if ((GRPC_CONDITIONS as readonly string[]).includes(condition)) add(condition);
    else if (!grpc && (HTTP_CONDITIONS as readonly string[]).includes(condition)) add(condition);
    else if (grpc && GRPC_EQUIVALENT[condition]) {
      add(GRPC_EQUIVALENT[condition]);
      mapped.push(condition);
    } else dropped.push(condition);
  }
  if (mapped.length > 0) {
    ctx.warnings.add(service.name, `gRPC clients retry on gRPC status codes only; retryOn ${mapped.join(',')} becomes unavailable`);
  }
  if (dropped.length > 0) {
    const who = grpc ? 'gRPC clients' : 'Envoy';
    ctx.warnings.add(service.name, `${who} cannot retry on ${dropped.join(',')}; ${out.length > 0 ? 'those conditions are' : 'the retry policy is'} left out`);
  }
  return out.join(',');
}
