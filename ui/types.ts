// The shapes the console reads from the admin API (src/admin/routes/console.ts, proxies.ts,
// history.ts, explain.ts), kept here so the bundle depends on nothing of the server's.

export type ProxyCounts = { synced: number; stale: number; nacking: number };

export interface RouteJson {
  match: { pathPrefix?: string; path?: string; headers?: Record<string, string> };
  destinations: Array<{ subset?: string; weight: number }>;
  timeoutMs?: number;
}

export interface ServiceNode {
  name: string;
  protocol: string;
  port: number;
  allow: string[] | null;
  subsets: Record<string, Record<string, string>>;
  routes: RouteJson[];
  trafficPolicy: unknown;
  instances: Array<{ id: string; address: string; port: number; labels: Record<string, string>; health: string; zone: string | null; weight: number }>;
  healthy: number;
  proxies: ProxyCounts;
}

export interface Graph {
  mesh: { trustDomain: string; mtls: string; defaultPolicy: 'allow' | 'deny' };
  services: ServiceNode[];
  /** implicit: allowed by defaultPolicy allow rather than an allow list. */
  edges: Array<{ from: string; to: string; implicit?: boolean }>;
  certificates: Array<{ service: string; notAfter: number; notBefore: number; issuer: string }>;
}

export interface TypeStatus {
  type: string;
  sentVersion?: string;
  ackedVersion?: string;
  pendingAck: boolean;
  resourceCount: number;
  lastNack?: { version: string; message: string; at: number };
}

export interface Proxy {
  id: number;
  nodeId?: string;
  nodeCluster?: string;
  userAgent?: string;
  protocol: string;
  service: string;
  connectedAt: string;
  types: TypeStatus[];
}

export interface HistoryEntry {
  version: number;
  at: string;
  kind: 'mesh' | 'admin';
  who: string;
  what: string;
  summary: string[];
  ackedBy: string[];
}

export interface MeshPlace {
  what: string;
  path: string;
  at: string;
}

export interface Explanation {
  request: { from: string; to: string; method: string; path: string; headers?: Record<string, string> };
  source: { node: string; service: string; kind: string };
  decision: 'routed' | 'refused';
  refusedAt?: string;
  summary: string;
  targets: Array<{ cluster: string; subset?: string; probability: number; healthyEndpoints: number; endpoints: unknown[]; policy: string[] }>;
  steps: Array<{ step: string; resource?: { type: string; name: string }; result: string; detail: string; mesh: MeshPlace[] }>;
}

export interface CaFacts {
  trustDomain: string;
  activeRoot: { subject: string; fingerprint: string; notAfter: string; keyType: string };
  previousRoot?: { subject: string; fingerprint: string; notAfter: string };
  rotating: boolean;
  workloadCertificates: number;
  earliestWorkloadExpiry?: number;
}

/** A stream's state as `switchyard status` names it. */
export function typeState(t: TypeStatus | undefined): string {
  if (!t) return '-';
  if (t.lastNack && t.lastNack.version === t.sentVersion) return 'NACKED';
  if (t.pendingAck) return 'STALE';
  return t.sentVersion === undefined ? 'NOT SENT' : 'SYNCED';
}

export function proxyState(p: Proxy): 'synced' | 'stale' | 'nacking' {
  const states = p.types.map(typeState);
  if (states.includes('NACKED')) return 'nacking';
  if (states.some((s) => s !== 'SYNCED')) return 'stale';
  return 'synced';
}

/** Whether `from` may call `to`: its allow list, else the mesh's default policy. */
export function mayCall(graph: Graph, from: string, to: ServiceNode): boolean {
  return to.allow !== null ? to.allow.includes(from) : graph.mesh.defaultPolicy === 'allow';
}
