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

export interface TrafficPolicy {
  readonly loadBalancer?: LoadBalancer;
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

export interface RetryPolicy {
  readonly attempts: number;
  readonly perTryTimeoutMs?: number;
  readonly retryOn?: string;
}

export interface Route {
  readonly match: RouteMatch;
  readonly destinations: readonly RouteDestination[];
  readonly timeoutMs?: number;
  readonly retries?: RetryPolicy;
}

export interface StaticEndpoint {
  readonly address: string;
  readonly port: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly zone?: string;
  readonly weight?: number;
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
