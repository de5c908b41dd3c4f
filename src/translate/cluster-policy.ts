// A service's trafficPolicy as cluster fields, per consumer. Envoy applies all of it; proxyless
// gRPC applies a subset (gRFC A42 ring hash, A32 circuit breaking, A50 outlier detection), so a
// policy gRPC cannot apply becomes the nearest one it can, with a warning.
import type { CircuitBreakers } from '../generated/envoy/config/cluster/v3/CircuitBreakers';
import type { _envoy_config_cluster_v3_Cluster_LbPolicy as LbPolicy } from '../generated/envoy/config/cluster/v3/Cluster';
import type { OutlierDetection as EnvoyOutlierDetection } from '../generated/envoy/config/cluster/v3/OutlierDetection';
import type { HealthCheck as EnvoyHealthCheck } from '../generated/envoy/config/core/v3/HealthCheck';
import type { LoadBalancer, RetryBudget, ServicePolicy } from '../model';
import { isGrpcClient, type TranslateContext } from './context';
import { durationFromMs } from '../util/durations';

const ENVOY_LB_POLICY: Readonly<Record<LoadBalancer, LbPolicy>> = {
  round_robin: 'ROUND_ROBIN',
  least_request: 'LEAST_REQUEST',
  random: 'RANDOM',
  ring_hash: 'RING_HASH',
  maglev: 'MAGLEV',
};

// grpc-js-xds accepts lb_policy ROUND_ROBIN and RING_HASH only and NACKs the cluster otherwise.
// maglev is consistent hashing like ring_hash; least_request and random spread load like
// round_robin does.
const GRPC_LB_POLICY: Readonly<Record<LoadBalancer, 'ROUND_ROBIN' | 'RING_HASH'>> = {
  round_robin: 'ROUND_ROBIN',
  least_request: 'ROUND_ROBIN',
  random: 'ROUND_ROBIN',
  ring_hash: 'RING_HASH',
  maglev: 'RING_HASH',
};

export function lbPolicyFor(ctx: TranslateContext, service: ServicePolicy): LbPolicy {
  const wanted = service.trafficPolicy?.loadBalancer ?? 'round_robin';
  if (!isGrpcClient(ctx)) return ENVOY_LB_POLICY[wanted];
  const supported = GRPC_LB_POLICY[wanted];
  if (supported === 'RING_HASH' && ctx.dialect.rules.has('no-ring-hash')) {
    // consumers.ts, no-ring-hash: the mesh file gives ring_hash no hash key, so it could only
    // spread calls at random, which round_robin does without the client crash.
    ctx.warnings.add(
      service.name,
      `gRPC C-core clients are sent round_robin for the ${wanted} load balancer (C-core 1.51 crashes on ring_hash; with no hash key it gives no affinity)`,
    );
    return 'ROUND_ROBIN';
  }
  if (supported !== ENVOY_LB_POLICY[wanted]) {
    ctx.warnings.add(service.name, `gRPC clients do not support the ${wanted} load balancer; they use ${supported.toLowerCase()} instead`);
  }
  return supported;
}

/** The service's retry budget: the one its routes agree on (the mesh file checks that they do). */
function retryBudgetOf(service: ServicePolicy): RetryBudget | undefined {
  return service.routes.find((r) => r.retries?.budget)?.retries?.budget;
}

export function circuitBreakersFor(ctx: TranslateContext, service: ServicePolicy): CircuitBreakers | undefined {
  const budget = retryBudgetOf(service);
  if (budget && isGrpcClient(ctx)) ctx.warnings.add(service.name, 'gRPC clients ignore retry budgets; only attempts limit their retries');
  const cb = service.trafficPolicy?.circuitBreaker ?? (budget && !isGrpcClient(ctx) ? {} : undefined);
  if (!cb) return undefined;
  if (isGrpcClient(ctx)) {
    // gRPC only limits concurrent requests (gRFC A32).
    const ignored = (['maxConnections', 'maxPendingRequests', 'maxRetries'] as const).filter((k) => cb[k] !== undefined);
    if (ignored.length > 0) {
      ctx.warnings.add(service.name, `gRPC clients apply only maxRequests of a circuit breaker; ${ignored.join(', ')} ignored`);
    }
    if (cb.maxRequests === undefined) return undefined;
    return { thresholds: [{ priority: 'DEFAULT', max_requests: { value: cb.maxRequests } }] };
  }
  return {
    thresholds: [
      {
        priority: 'DEFAULT',
        ...(cb.maxConnections !== undefined && { max_connections: { value: cb.maxConnections } }),
        ...(cb.maxPendingRequests !== undefined && { max_pending_requests: { value: cb.maxPendingRequests } }),
        ...(cb.maxRequests !== undefined && { max_requests: { value: cb.maxRequests } }),
        ...(cb.maxRetries !== undefined && { max_retries: { value: cb.maxRetries } }),
        // Envoy lets a budget override max_retries: retries in flight may be this share of active requests.
        ...(budget && {
          retry_budget: {
            budget_percent: { value: budget.percent },
            ...(budget.minConcurrency !== undefined && { min_retry_concurrency: { value: budget.minConcurrency } }),
          },
        }),
      },
    ],
  };
}

// Envoy caps ejection at max_ejection_time (default 300s) and refuses a base_ejection_time above it.
const ENVOY_DEFAULT_MAX_EJECTION_MS = 300_000;

/**
 * Only the ejection kinds the mesh file asks for are enabled. Envoy and gRPC both turn
 * success-rate ejection on by default whenever outlier_detection is present, and Envoy also
 * consecutive-5xx ejection (at 5); neither is in the mesh file's vocabulary unless written, so
 * both are switched off explicitly with enforcing_* = 0.
 */
export function outlierDetectionFor(ctx: TranslateContext, service: ServicePolicy): EnvoyOutlierDetection | undefined {
  const od = service.trafficPolicy?.outlierDetection;
  if (!od) return undefined;
  const grpc = isGrpcClient(ctx);
  if (grpc && od.consecutive5xx !== undefined) {
    ctx.warnings.add(
      service.name,
      od.failurePercentage
        ? 'gRPC clients do not apply consecutive5xx ejection; they apply only the failurePercentage ejection'
        : 'gRPC clients do not apply consecutive5xx ejection and no failurePercentage is set; outlier detection is off for them',
    );
  }
  // gRPC with nothing it can apply: no outlier_detection at all rather than an inert one.
  if (grpc && !od.failurePercentage) return undefined;
  const fp = od.failurePercentage;
  const base = od.baseEjectionTimeMs;
  return {
    ...(!grpc && (od.consecutive5xx !== undefined ? { consecutive_5xx: { value: od.consecutive5xx } } : {})),
    ...(od.intervalMs !== undefined && { interval: durationFromMs(od.intervalMs) }),
    ...(base !== undefined && { base_ejection_time: durationFromMs(base) }),
    ...(od.maxEjectionPercent !== undefined && { max_ejection_percent: { value: od.maxEjectionPercent } }),
    ...(!grpc && od.consecutive5xx === undefined && { enforcing_consecutive_5xx: { value: 0 } }),
    enforcing_success_rate: { value: 0 },
    ...(fp && {
      failure_percentage_threshold: { value: fp.threshold },
      enforcing_failure_percentage: { value: 100 },
      ...(fp.minimumHosts !== undefined && { failure_percentage_minimum_hosts: { value: fp.minimumHosts } }),
      ...(fp.requestVolume !== undefined && { failure_percentage_request_volume: { value: fp.requestVolume } }),
    }),
    ...(base !== undefined && base > ENVOY_DEFAULT_MAX_EJECTION_MS && { max_ejection_time: durationFromMs(base) }),
  };
}

/**
 * Active health checks, for Envoy only: each caller's sidecar probes the instances it may send to
 * and stops sending to one that fails `unhealthyThreshold` probes in a row. gRPC clients do not
 * probe (a warning says so); registry health and outlier detection still apply to them.
 */
export function healthChecksFor(ctx: TranslateContext, service: ServicePolicy): EnvoyHealthCheck[] | undefined {
  const hc = service.trafficPolicy?.healthCheck;
  if (!hc) return undefined;
  if (isGrpcClient(ctx)) {
    ctx.warnings.add(service.name, 'gRPC clients do not health-check; healthCheck applies to Envoy sidecars only');
    return undefined;
  }
  return [
    {
      timeout: durationFromMs(hc.timeoutMs),
      interval: durationFromMs(hc.intervalMs),
      unhealthy_threshold: { value: hc.unhealthyThreshold },
      healthy_threshold: { value: hc.healthyThreshold },
      ...(hc.http && { http_health_check: { path: hc.http.path, ...(service.protocol === 'grpc' && { codec_client_type: 'HTTP2' as const }) } }),
      ...(hc.grpc && { grpc_health_check: { ...(hc.grpc.service !== undefined && { service_name: hc.grpc.service }) } }),
      ...(hc.tcp && { tcp_health_check: {} }),
    },
  ];
}
