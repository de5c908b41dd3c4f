// The table of small mesh states the translator tests run over: one per policy or situation,
// each with the proxies whose view of it is worth reviewing.
import { parseExampleMesh } from '../../../src/config/example-mesh';
import type { MeshState, ProxyIdentity } from '../../../src/model';
import { envoy, grpcClient, instance, meshState, service, shopState } from './mesh-fixtures';

export interface TranslateCase {
  /** Also the golden file name: test/translate/golden/<name>.yaml. */
  readonly name: string;
  readonly description: string;
  readonly state: MeshState;
  readonly proxies: readonly ProxyIdentity[];
}

/** The mesh `switchyard serve` runs by default, with a registry as the demo fills it. */
function embeddedShopState(): MeshState {
  const { config, problems } = parseExampleMesh();
  if (!config) throw new Error(`the embedded shop mesh does not parse: ${problems.map((p) => p.message).join('; ')}`);
  return {
    ...meshState([], [
      instance('gateway', 'gateway-1', '10.1.0.1', 15006),
      instance('frontend', 'frontend-1', '10.1.0.2', 15006),
      instance('catalog', 'catalog-v1-1', '10.1.0.3', 15006, { labels: { version: 'v1' }, zone: 'zone-a' }),
      instance('catalog', 'catalog-v1-2', '10.1.0.4', 15006, { labels: { version: 'v1' }, zone: 'zone-b' }),
      instance('catalog', 'catalog-v2-1', '10.1.0.5', 15006, { labels: { version: 'v2' }, zone: 'zone-a' }),
      instance('orders', 'orders-1', '10.1.0.6', 15006),
      instance('payments', 'payments-1', '10.1.0.7', 15006),
      instance('payments', 'payments-2', '10.1.0.8', 15006),
      instance('db', 'db-1', '10.1.0.9', 15006),
    ]),
    config,
  };
}

const catalogInstances = [
  instance('catalog', 'catalog-a', '10.0.1.1', 15006, { labels: { version: 'v1' } }),
  instance('catalog', 'catalog-b', '10.0.1.2', 15006, { labels: { version: 'v2' } }),
];

export const CASES: readonly TranslateCase[] = [
  {
    name: 'basic-http',
    description: 'one http service, no policy: catch-all route, round robin, default connect timeout',
    state: meshState([service('frontend', { port: 8000 }), service('catalog')], catalogInstances),
    proxies: [envoy('frontend'), grpcClient('')],
  },
  {
    name: 'subsets-weighted',
    description: 'canary header to v2, else 90/10 v1/v2; an unlabelled instance is only in the whole-service cluster',
    state: meshState(
      [
        service('frontend', { port: 8000 }),
        service('catalog', {
          subsets: { v1: { version: 'v1' }, v2: { version: 'v2' } },
          routes: [
            { match: { pathPrefix: '/', headers: { 'X-Canary': 'true' } }, destinations: [{ subset: 'v2', weight: 100 }] },
            { match: { pathPrefix: '/' }, destinations: [{ subset: 'v1', weight: 90 }, { subset: 'v2', weight: 10 }] },
          ],
        }),
      ],
      [...catalogInstances, instance('catalog', 'catalog-c', '10.0.1.3', 15006)],
    ),
    proxies: [envoy('frontend'), grpcClient('frontend')],
  },
  {
    name: 'route-matching',
    description: 'exact path, prefix and several headers, in file order; a zero-weight destination is dropped',
    state: meshState(
      [
        service('frontend', { port: 8000 }),
        service('catalog', {
          subsets: { v1: { version: 'v1' }, v2: { version: 'v2' } },
          routes: [
            { match: { path: '/catalog.Catalog/GetItem' }, destinations: [{ subset: 'v2', weight: 100 }] },
            { match: { pathPrefix: '/admin', headers: { 'x-user': 'ops', 'x-env': 'prod' } }, destinations: [{ subset: 'v1', weight: 100 }] },
            { match: { pathPrefix: '/' }, destinations: [{ subset: 'v1', weight: 100 }, { subset: 'v2', weight: 0 }] },
          ],
        }),
      ],
      catalogInstances,
    ),
    proxies: [envoy('frontend'), grpcClient('frontend')],
  },
  {
    name: 'timeouts-retries',
    description: 'route timeout and retries; gRPC gets max_stream_duration and gRPC status codes, capped attempts',
    state: meshState(
      [
        service('frontend', { port: 8000 }),
        service('catalog', {
          routes: [
            { match: { pathPrefix: '/slow' }, destinations: [{ weight: 100 }], timeoutMs: 2000, retries: { attempts: 3, perTryTimeoutMs: 500, retryOn: '5xx,reset,connect-failure,retriable-4xx' } },
            { match: { pathPrefix: '/' }, destinations: [{ weight: 100 }], timeoutMs: 1500, retries: { attempts: 6 } },
          ],
        }),
        service('orders', {
          protocol: 'grpc',
          port: 9090,
          routes: [{ match: { pathPrefix: '/' }, destinations: [{ weight: 100 }], retries: { attempts: 2, retryOn: 'unavailable,cancelled' } }],
        }),
      ],
      [...catalogInstances, instance('orders', 'orders-1', '10.0.2.1', 15006)],
    ),
    proxies: [envoy('frontend'), grpcClient('frontend')],
  },
  {
    name: 'load-balancers',
    description: 'each load balancer; gRPC gets round_robin or ring_hash only',
    state: meshState(
      [
        service('frontend', { port: 8000 }),
        service('lb-least', { port: 9001, trafficPolicy: { loadBalancer: 'least_request' } }),
        service('lb-maglev', { port: 9002, trafficPolicy: { loadBalancer: 'maglev' } }),
        service('lb-random', { port: 9003, trafficPolicy: { loadBalancer: 'random' } }),
        service('lb-ring', { port: 9004, trafficPolicy: { loadBalancer: 'ring_hash', connectTimeoutMs: 250 } }),
        service('lb-rr', { port: 9005, trafficPolicy: { loadBalancer: 'round_robin', connectTimeoutMs: 1000 } }),
      ],
    ),
    proxies: [envoy('frontend'), grpcClient('frontend')],
  },
  {
    name: 'circuit-breaker-outlier',
    description: 'circuit breaker and outlier detection; gRPC keeps max_requests and failure-percentage only',
    state: meshState(
      [
        service('frontend', { port: 8000 }),
        service('catalog', {
          trafficPolicy: {
            circuitBreaker: { maxConnections: 100, maxPendingRequests: 50, maxRequests: 200, maxRetries: 3 },
            outlierDetection: {
              consecutive5xx: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50,
              failurePercentage: { threshold: 50, minimumHosts: 2, requestVolume: 20 },
            },
          },
        }),
        service('orders', {
          port: 8081,
          trafficPolicy: {
            circuitBreaker: { maxConnections: 10 },
            outlierDetection: { consecutive5xx: 3, baseEjectionTimeMs: 600_000 },
          },
        }),
      ],
      catalogInstances,
    ),
    proxies: [envoy('frontend'), grpcClient('frontend')],
  },
  {
    name: 'zones-weights-health',
    description: 'localities by zone (sorted, no-zone first), endpoint weights, locality weight = healthy weight, unhealthy kept as UNHEALTHY',
    state: meshState(
      [service('frontend', { port: 8000 }), service('catalog', { subsets: { v1: { version: 'v1' } } })],
      [
        instance('catalog', 'c-1', '10.0.3.1', 15006, { zone: 'zone-b', weight: 3, labels: { version: 'v1' } }),
        instance('catalog', 'c-2', '10.0.3.2', 15006, { zone: 'zone-a', weight: 2 }),
        instance('catalog', 'c-3', '10.0.3.3', 15006, { zone: 'zone-a', health: 'unhealthy', weight: 5, labels: { version: 'v1' } }),
        instance('catalog', 'c-4', '10.0.3.4', 15006),
        instance('catalog', 'c-5', '10.0.3.5', 15006, { zone: 'zone-c', health: 'unhealthy' }),
        instance('catalog', 'c-6', 'fd00::6', 15006, { zone: 'zone-b' }),
      ],
    ),
    proxies: [grpcClient('frontend')],
  },
  {
    name: 'tcp-service',
    description: 'a tcp service: tcp_proxy outbound (first route split) and inbound; gRPC clients get nothing for it',
    state: meshState(
      [
        service('orders', { port: 8081 }),
        service('db', {
          protocol: 'tcp',
          port: 5432,
          subsets: { primary: { role: 'primary' }, replica: { role: 'replica' } },
          routes: [{ match: {}, destinations: [{ subset: 'primary', weight: 80 }, { subset: 'replica', weight: 20 }] }],
        }),
      ],
      [
        instance('db', 'db-1', '10.0.4.1', 15006, { labels: { role: 'primary' } }),
        instance('db', 'db-2', '10.0.4.2', 15006, { labels: { role: 'replica' } }),
      ],
    ),
    proxies: [envoy('orders'), envoy('db'), grpcClient('orders')],
  },
  {
    name: 'grpc-service',
    description: 'a grpc service: HTTP/2 upstream on Envoy clusters and on the inbound cluster to the app',
    state: meshState(
      [service('frontend', { port: 8000 }), service('orders', { protocol: 'grpc', port: 9090, trafficPolicy: { connectTimeoutMs: 1500 } })],
      [instance('orders', 'orders-1', '10.0.2.1', 15006)],
    ),
    proxies: [envoy('frontend'), envoy('orders'), grpcClient('frontend')],
  },
  {
    name: 'shop-policy',
    description: 'defaultPolicy deny with allow lists: each proxy sees only what it may call',
    state: shopState(),
    proxies: [envoy('frontend'), envoy('orders'), envoy('payments'), grpcClient('frontend'), grpcClient('')],
  },
  {
    name: 'embedded-shop',
    description: 'the embedded shop mesh (every HTTP service on 8080, mtls strict, defaultPolicy deny) as each of its proxies sees it',
    state: embeddedShopState(),
    proxies: [envoy('gateway'), envoy('frontend'), envoy('catalog'), envoy('orders'), envoy('db'), grpcClient('orders')],
  },
  {
    name: 'port-conflicts',
    description: 'HTTP services share ports freely; tcp services on a taken port (another tcp service, the app, 15001) are left out with a warning',
    state: meshState(
      [
        service('frontend', { port: 8000 }),
        service('alpha', { port: 8000 }),
        service('beta', { port: 8000 }),
        service('tcp-a', { port: 9000, protocol: 'tcp' }),
        service('tcp-b', { port: 9000, protocol: 'tcp' }),
        service('tcp-c', { port: 8000, protocol: 'tcp' }),
        service('tcp-d', { port: 15001, protocol: 'tcp' }),
      ],
    ),
    proxies: [envoy('frontend')],
  },
  {
    name: 'bad-endpoints',
    description: 'hostname and duplicate-address instances are left out with warnings; a service with no instances has an empty assignment',
    state: meshState(
      [service('frontend', { port: 8000 }), service('catalog'), service('empty', { port: 8090 })],
      [
        instance('catalog', 'by-name', 'catalog.internal', 15006),
        instance('catalog', 'first', '10.0.5.1', 15006),
        instance('catalog', 'second', '10.0.5.1', 15006),
      ],
    ),
    proxies: [envoy('frontend'), grpcClient('frontend')],
  },
  {
    name: 'unknown-proxy-service',
    description: 'an Envoy whose node.cluster names no service: outside caller, no inbound listener',
    state: meshState([service('catalog', { allow: ['frontend'] }), service('public', { port: 8088 }), service('frontend', { port: 8000 })], catalogInstances, { mtls: 'strict' }),
    proxies: [envoy('mystery')],
  },
];
