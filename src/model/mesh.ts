// The operator's mesh policy, as read from the mesh file after validation.
// Durations are kept in milliseconds so every later stage works with plain numbers.

export type MtlsMode = 'strict' | 'permissive' | 'disabled';
export type DefaultPolicy = 'allow' | 'deny';
export type ServiceProtocol = 'http' | 'grpc' | 'tcp';
export type LoadBalancer = 'round_robin' | 'least_request' | 'random' | 'ring_hash' | 'maglev';

export interface MeshSettings {
  readonly trustDomain: string;
  readonly mtls: MtlsMode;
  readonly defaultPolicy: DefaultPolicy;
  /** Access logs of every Envoy proxy's HTTP and TCP listeners, unless its service says otherwise. */
  readonly accessLog?: AccessLog;
  /** Traces from every Envoy proxy to an OTLP collector. */
  readonly tracing?: Tracing;
}

/** host:port of a collector reached over OTLP/gRPC. */
export interface OtlpAddress {
  readonly host: string;
  readonly port: number;
}

export type AccessLogSink =
  | { readonly kind: 'stdout' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'otlp'; readonly address: OtlpAddress };

export interface AccessLog {
  readonly sink: AccessLogSink;
  /** One JSON object per line, or Envoy-style text; default json. An OTLP record always carries the fields as attributes. */
  readonly format: 'json' | 'text';
}

export interface Tracing {
  readonly otlp: OtlpAddress;
  /** Percentage of requests a trace starts for, where no upstream decision was made (0 to 100). */
  readonly samplingPercent: number;
}

export interface CircuitBreaker {
  readonly maxConnections?: number;
  readonly maxPendingRequests?: number;
  readonly maxRequests?: number;
  readonly maxRetries?: number;
}

export interface FailurePercentageEjection {
  readonly threshold: number;
  readonly minimumHosts?: number;
  readonly requestVolume?: number;
}

export interface OutlierDetection {
  readonly consecutive5xx?: number;
  readonly intervalMs?: number;
  readonly baseEjectionTimeMs?: number;
  readonly maxEjectionPercent?: number;
  readonly failurePercentage?: FailurePercentageEjection;
}

/**
 * What a consistent-hash load balancer hashes, so requests with the same value reach the same
 * instance (session affinity): a request header, a cookie (created with `ttlMs` when absent), or
 * the caller's source IP.
 */
export type ConsistentHash =
  | { readonly header: string }
  | { readonly cookie: { readonly name: string; readonly ttlMs?: number } }
  | { readonly sourceIp: true };

/**
 * Overrides of locality-aware routing. By default a proxy that knows its locality gets endpoints
 * in priorities relative to it: same zone first, then the rest of its region, then everything
 * else. `failover` names where callers in zone or region `from` go next instead of their region;
 * `distribute` spreads callers in `from` over localities by weight (percent) instead.
 * Locality names are zones or regions.
 */
export interface LocalityPolicy {
  readonly failover?: readonly { readonly from: string; readonly to: string }[];
  readonly distribute?: readonly { readonly from: string; readonly to: Readonly<Record<string, number>> }[];
}

/** Active health checking by the caller's proxy (Envoy), one kind of probe. */
export interface HealthCheck {
  readonly http?: { readonly path: string };
  readonly grpc?: { readonly service?: string };
  readonly tcp?: true;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
}

export interface TrafficPolicy {
  readonly loadBalancer?: LoadBalancer;
  /** With loadBalancer ring_hash or maglev: what each route of the service hashes. */
  readonly consistentHash?: ConsistentHash;
  readonly locality?: LocalityPolicy;
  readonly healthCheck?: HealthCheck;
  readonly connectTimeoutMs?: number;
  readonly circuitBreaker?: CircuitBreaker;
  readonly outlierDetection?: OutlierDetection;
}

export interface RouteMatch {
  readonly pathPrefix?: string;
  readonly path?: string;
  /** Exact-value header matches. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteDestination {
  /** A subset name of the service; absent means every instance. */
  readonly subset?: string;
  readonly weight: number;
}

/** Retries allowed at once as a share of active requests (Envoy's retry budget), with a floor. */
export interface RetryBudget {
  readonly percent: number;
  readonly minConcurrency?: number;
}

export interface RetryPolicy {
  readonly attempts: number;
  /** A cluster-wide limit: every route of a service must give the same budget. */
  readonly budget?: RetryBudget;
  readonly perTryTimeoutMs?: number;
  readonly retryOn?: string;
}

/** Faults the caller's proxy injects into a share of a route's requests (chaos testing). */
export interface FaultInjection {
  /** Hold the request for `fixedMs` before sending it on, for `percent` of requests (0..100, decimals allowed). */
  readonly delay?: { readonly fixedMs: number; readonly percent: number };
  /** Answer without calling the service, with an HTTP status or a gRPC status code. */
  readonly abort?: { readonly httpStatus?: number; readonly grpcStatus?: number; readonly percent: number };
}

/** Header changes on one direction of a route: set replaces, add appends, remove drops. */
export interface HeaderMutation {
  readonly set?: Readonly<Record<string, string>>;
  readonly add?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
}

export interface RouteHeaders {
  /** Applied to the request before it is sent to the service. */
  readonly request?: HeaderMutation;
  /** Applied to the response before the caller sees it. */
  readonly response?: HeaderMutation;
}

export interface Route {
  readonly match: RouteMatch;
  readonly destinations: readonly RouteDestination[];
  readonly timeoutMs?: number;
  readonly retries?: RetryPolicy;
  readonly fault?: FaultInjection;
  readonly headers?: RouteHeaders;
  /** Copy a share of the route's requests to another service (or subset); its answers are dropped. */
  readonly mirror?: { readonly service: string; readonly subset?: string; readonly percent: number };
}

export interface StaticEndpoint {
  readonly address: string;
  readonly port: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly zone?: string;
  readonly region?: string;
  readonly weight?: number;
}

/**
 * How a sidecar talks to an external service: `originate` (the app speaks plaintext to its
 * sidecar, which opens TLS to the provider and checks its certificate against the system roots),
 * `passthrough` (the app speaks TLS itself; the sidecar forwards bytes) or `none` (plaintext).
 */
export type ExternalTls = 'originate' | 'passthrough' | 'none';

/** A service outside the mesh, reached by DNS name rather than through registered instances. */
export interface ExternalService {
  /** DNS names (or IP addresses) of the provider, in the order written; resolved by the client. */
  readonly hosts: readonly string[];
  readonly port: number;
  readonly tls: ExternalTls;
}

export interface ServicePolicy {
  readonly name: string;
  readonly protocol: ServiceProtocol;
  readonly port: number;
  /** Subset name → label selector (every label must match). */
  readonly subsets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly trafficPolicy?: TrafficPolicy;
  readonly routes: readonly Route[];
  /** Services allowed to call this one; undefined means "per mesh.defaultPolicy". */
  readonly allow?: readonly string[];
  readonly endpoints: readonly StaticEndpoint[];
  /**
   * Requests each instance's inbound sidecar admits per second (a token bucket refilled every
   * second, holding up to `burst`); the rest are refused with 429 (gRPC: RESOURCE_EXHAUSTED).
   */
  readonly rateLimit?: { readonly requestsPerSecond: number; readonly burst: number };
  /** Present for a service outside the mesh: no instances, a DNS cluster to these hosts. */
  readonly external?: ExternalService;
  /** Overrides mesh.accessLog for this service's proxies; `false` turns it off for them. */
  readonly accessLog?: AccessLog | false;
}

export interface MeshConfig {
  readonly mesh: MeshSettings;
  readonly services: readonly ServicePolicy[];
  /** Ingress gateways: what the public may reach. Absent when the file has none. */
  readonly gateways?: readonly GatewayPolicy[];
}

// ---- ingress gateways ---------------------------------------------------------------------------

export type GatewayProtocol = 'http' | 'https' | 'tls-passthrough';

/** The certificate an https listener presents to the public. */
export type GatewayCertificate =
  /** Files on the gateway's host; Envoy reads (and re-reads, on change) them itself: the key never passes through the control plane. */
  | { readonly kind: 'files'; readonly certFile: string; readonly keyFile: string }
  /** Issued by the mesh CA for internal names: the gateway's workload certificate, with these DNS names added. */
  | { readonly kind: 'mesh'; readonly names: readonly string[] };

export interface Cors {
  /** Exact origins, or "*" for any. */
  readonly allowOrigins: readonly string[];
  readonly allowMethods?: readonly string[];
  readonly allowHeaders?: readonly string[];
  readonly exposeHeaders?: readonly string[];
  readonly maxAgeMs?: number;
  readonly allowCredentials?: boolean;
}

export interface GatewayDestination {
  readonly service: string;
  readonly subset?: string;
  readonly weight: number;
}

/** Like a service route, but by host as well as path, to any mesh service, with CORS. */
export interface GatewayRoute {
  /** Host header values ("*" any, "*.example.com" a suffix); default ["*"]. */
  readonly hosts: readonly string[];
  readonly match: RouteMatch;
  readonly destinations: readonly GatewayDestination[];
  readonly timeoutMs?: number;
  readonly retries?: RetryPolicy;
  readonly cors?: Cors;
}

/** tls-passthrough: connections whose SNI matches go, still encrypted, to a tcp service. */
export interface PassthroughRoute {
  readonly sni: readonly string[];
  readonly service: string;
}

export interface GatewayListener {
  readonly port: number;
  readonly protocol: GatewayProtocol;
  /** https only. */
  readonly certificate?: GatewayCertificate;
  /** http and https. */
  readonly routes: readonly GatewayRoute[];
  /** tls-passthrough. */
  readonly passthrough: readonly PassthroughRoute[];
}

export interface GatewayPolicy {
  /** Unique among services and gateways: the gateway's SPIFFE ID is spiffe://<trustDomain>/svc/<name>, so `allow` lists name it like a service. */
  readonly name: string;
  readonly listeners: readonly GatewayListener[];
  /** Overrides mesh.accessLog; false turns it off. */
  readonly accessLog?: AccessLog | false;
}

export const DEFAULT_MESH_SETTINGS: MeshSettings = {
  trustDomain: 'switchyard.local',
  mtls: 'strict',
  defaultPolicy: 'allow',
};
