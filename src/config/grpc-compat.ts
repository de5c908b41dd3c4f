// Proxyless gRPC clients apply only part of what Envoy does (gRPC's doc/grpc_xds_features.md).
// Only a grpc-protocol service has proxyless clients, so only its policy is judged here. The
// file stays valid: the translator sends gRPC the nearest policy it supports, and these
// warnings tell the operator what that will be.

import type { LoadBalancer, MeshConfig, ServicePolicy } from '../model/mesh';
import { GRPC_RETRY_CONDITIONS } from './read-routes';
import { childPath, type MeshSource } from './source';

/** What a proxyless gRPC client gets instead of a load balancer it does not implement. */
export const GRPC_LOAD_BALANCER_FALLBACK: Readonly<Partial<Record<LoadBalancer, LoadBalancer>>> = {
  random: 'round_robin',
  least_request: 'round_robin',
  maglev: 'ring_hash',
};

const IGNORED_CIRCUIT_BREAKER_LIMITS = ['maxConnections', 'maxPendingRequests', 'maxRetries'] as const;

export function checkGrpcCompatibility(src: MeshSource, config: MeshConfig): void {
  for (const service of config.services) {
    const path = src.pathOf(service);
    if (service.protocol !== 'grpc' || path === undefined) continue;
    checkTrafficPolicy(src, service, path);
    checkRetryConditions(src, service);
    checkExternal(src, service, path);
    checkRouteHeaders(src, service);
    checkEnvoyOnly(src, service, path);
  }
}

function checkTrafficPolicy(src: MeshSource, service: ServicePolicy, servicePath: string): void {
  const policy = service.trafficPolicy;
  if (!policy) return;
  const policyPath = childPath(servicePath, 'trafficPolicy');

  const fallback = policy.loadBalancer && GRPC_LOAD_BALANCER_FALLBACK[policy.loadBalancer];
  if (fallback) {
    const path = childPath(policyPath, 'loadBalancer');
    src.warning(path, src.whereIs(path), `proxyless gRPC clients cannot use loadBalancer ${policy.loadBalancer}; they use ${fallback} instead`);
  }

  const hash = policy.consistentHash;
  if (hash && !('header' in hash)) {
    const path = childPath(childPath(policyPath, 'loadBalancer'), 'consistentHash');
    const what = 'cookie' in hash ? 'a cookie' : 'the source IP';
    src.warning(path, src.whereIs(path), `proxyless gRPC clients cannot hash ${what}; they pin each client channel to one backend instead`);
  }

  const breakerPath = childPath(policyPath, 'circuitBreaker');
  for (const limit of IGNORED_CIRCUIT_BREAKER_LIMITS) {
    if (policy.circuitBreaker?.[limit] === undefined) continue;
    const path = childPath(breakerPath, limit);
    src.warning(path, src.whereKeyIs(path), `proxyless gRPC clients ignore ${limit}; they apply only maxRequests`);
  }

  if (policy.outlierDetection?.consecutive5xx !== undefined) {
    const path = childPath(childPath(policyPath, 'outlierDetection'), 'consecutive5xx');
    src.warning(path, src.whereKeyIs(path), 'proxyless gRPC clients ignore consecutive5xx; they apply only success-rate and failure-percentage ejection');
  }
}

function checkRetryConditions(src: MeshSource, service: ServicePolicy): void {
  const grpcConditions: readonly string[] = GRPC_RETRY_CONDITIONS;
  for (const route of service.routes) {
    const routePath = src.pathOf(route);
    const retryOn = route.retries?.retryOn;
    if (routePath === undefined || retryOn === undefined) continue;
    const ignored = retryOn.split(',').filter((c) => !grpcConditions.includes(c));
    if (ignored.length === 0) continue;
    const path = childPath(childPath(routePath, 'retries'), 'retryOn');
    src.warning(
      path,
      src.whereIs(path),
      `proxyless gRPC clients ignore retryOn ${ignored.join(',')}; they retry only on gRPC status codes (${grpcConditions.join(', ')})`,
    );
  }
}

/** grpc-js-xds resolves one DNS name per cluster (LOGICAL_DNS) and takes TLS only from its bootstrap. */
function checkExternal(src: MeshSource, service: ServicePolicy, servicePath: string): void {
  const external = service.external;
  if (!external) return;
  const externalPath = childPath(servicePath, 'external');
  if (external.hosts.length > 1) {
    const path = childPath(externalPath, 'hosts');
    src.warning(path, src.whereIs(path), `proxyless gRPC clients resolve one DNS name per cluster; they call ${external.hosts[0]} only`);
  }
  if (external.tls === 'originate') {
    const path = childPath(externalPath, 'tls');
    src.warning(
      path,
      src.whereIs(path),
      "proxyless gRPC clients do not originate TLS from the mesh to an external service; their channel's own credentials decide (Envoy sidecars do originate it)",
    );
  }
}

/** grpc-js-xds ignores a route's header lists: neither requests nor responses are changed. */
function checkRouteHeaders(src: MeshSource, service: ServicePolicy): void {
  for (const route of service.routes) {
    const routePath = src.pathOf(route);
    if (routePath === undefined) continue;
    if (route.headers !== undefined) {
      const path = childPath(routePath, 'headers');
      src.warning(
        path,
        src.whereKeyIs(path),
        'proxyless gRPC clients ignore headers: they send requests and return responses unchanged (Envoy sidecars apply them)',
      );
    }
    if (route.mirror !== undefined) {
      const path = childPath(routePath, 'mirror');
      src.warning(path, src.whereKeyIs(path), 'proxyless gRPC clients do not mirror requests (Envoy sidecars do)');
    }
  }
}

/** Settings grpc-js-xds 1.14 does not implement at all: inbound rate limits, retry budgets and active health checks. */
function checkEnvoyOnly(src: MeshSource, service: ServicePolicy, servicePath: string): void {
  if (service.rateLimit) {
    const path = childPath(servicePath, 'rateLimit');
    src.warning(path, src.whereKeyIs(path), 'xDS-enabled gRPC servers do not rate-limit; only instances behind an Envoy sidecar apply rateLimit');
  }
  if (service.trafficPolicy?.healthCheck) {
    const path = childPath(childPath(servicePath, 'trafficPolicy'), 'healthCheck');
    src.warning(
      path,
      src.whereKeyIs(path),
      'proxyless gRPC clients do not health-check; they rely on registry health and outlier detection (Envoy sidecars do probe)',
    );
  }
  for (const route of service.routes) {
    const budget = route.retries?.budget;
    const path = budget && src.pathOf(budget);
    if (path === undefined) continue;
    src.warning(path, src.whereKeyIs(path), 'proxyless gRPC clients ignore retry budgets; only attempts limit their retries');
  }
}
