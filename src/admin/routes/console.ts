// The data the web console draws (GET /v1/console/graph: services, who may call whom, instances
// and health, the sync state of each service's proxies, certificates) and its live updates
// (GET /v1/events: server-sent events naming what changed, so the page refetches only that).
// Both read, so an ACL token with `read` is all the console needs to view.
import type { Instance, MeshConfig } from '../../model';
import type { StreamStatus } from '../../xds/stream-status';
import { access, jsonResponse, type RouteDefinition, type StreamResponse } from '../route';

export interface ConsoleDeps {
  readonly config: () => MeshConfig;
  readonly instances: () => ReadonlyMap<string, readonly Instance[]>;
  readonly streams: () => readonly StreamStatus[];
  /** Workload certificate expiry per service (epoch ms), where one was issued. */
  readonly certificates: () => ReadonlyArray<{ service: string; notAfter: number; notBefore: number; issuer: string }>;
  readonly historyVersion: () => number | undefined;
}

const IMPLICIT_EDGES_UP_TO = 40;

export type ProxyState = 'synced' | 'stale' | 'nacking';

/** As `switchyard status` reads a stream: NACKed at the version sent, waiting for an ACK, or in sync. */
export function proxyState(s: StreamStatus): ProxyState {
  if (s.types.some((t) => t.lastNack !== undefined && t.lastNack.version === t.sentVersion)) return 'nacking';
  if (s.types.some((t) => t.pendingAck || t.sentVersion === undefined)) return 'stale';
  return 'synced';
}

export function consoleGraph(deps: ConsoleDeps): unknown {
  const config = deps.config();
  const instances = deps.instances();
  const proxiesByService = new Map<string, Record<ProxyState, number>>();
  for (const s of deps.streams()) {
    if (s.nodeCluster === undefined || s.group === undefined) continue;
    const counts = proxiesByService.get(s.nodeCluster) ?? { synced: 0, stale: 0, nacking: 0 };
    counts[proxyState(s)]++;
    proxiesByService.set(s.nodeCluster, counts);
  }
  const edges: Array<{ from: string; to: string; implicit?: true }> = [];
  for (const target of config.services) for (const caller of new Set(target.allow ?? [])) edges.push({ from: caller, to: target.name });
  // A service with no allow list under defaultPolicy allow takes calls from everyone. In a small
  // mesh those calls are drawn (marked implicit); in a large one they would be n² lines, so the
  // console names such services instead.
  const open = config.mesh.defaultPolicy === 'allow' ? config.services.filter((s) => s.allow === undefined) : [];
  if (config.services.length <= IMPLICIT_EDGES_UP_TO) {
    for (const target of open)
      for (const caller of config.services) if (caller.name !== target.name) edges.push({ from: caller.name, to: target.name, implicit: true });
  }
  return {
    mesh: config.mesh,
    services: config.services.map((s) => {
      const list = instances.get(s.name) ?? [];
      return {
        name: s.name,
        protocol: s.protocol,
        port: s.port,
        // null: no allow list, so mesh.defaultPolicy decides for every caller.
        allow: s.allow ?? null,
        subsets: s.subsets,
        routes: s.routes,
        trafficPolicy: s.trafficPolicy ?? null,
        instances: list.map((i) => ({
          id: i.id,
          address: i.address,
          port: i.port,
          labels: i.labels,
          health: i.health,
          zone: i.zone ?? null,
          weight: i.weight,
        })),
        healthy: list.filter((i) => i.health === 'healthy').length,
        proxies: proxiesByService.get(s.name) ?? { synced: 0, stale: 0, nacking: 0 },
      };
    }),
    edges,
    certificates: deps.certificates(),
  };
}

/** What each kind of thing looks like now; an SSE client is told which kinds moved. */
function fingerprints(deps: ConsoleDeps): Record<string, string> {
  const streams = deps
    .streams()
    .map(
      (s) =>
        `${s.nodeId}|${s.group}|${s.types.map((t) => `${t.typeUrl}:${t.sentVersion}:${t.ackedVersion}:${t.pendingAck}:${t.lastNack?.at ?? ''}`).join(',')}`,
    );
  const inst = [...deps.instances()].map(
    ([svc, list]) => `${svc}:${list.map((i) => `${i.id}/${i.health}/${i.address}:${i.port}/${JSON.stringify(i.labels)}`).join(',')}`,
  );
  return {
    proxies: streams.sort().join('\n'),
    services: `${inst.join('\n')}\n${JSON.stringify(deps.config())}`,
    history: String(deps.historyVersion() ?? ''),
    certificates: deps
      .certificates()
      .map((c) => `${c.service}:${c.notAfter}`)
      .join(','),
  };
}

const CHECK_MS = 500;
const HEARTBEAT_MS = 15_000;

export function consoleRoutes(deps: ConsoleDeps): RouteDefinition[] {
  return [
    { method: 'GET', path: '/v1/console/graph', access: access.rule('read'), handler: () => jsonResponse(200, consoleGraph(deps)) },
    {
      method: 'GET',
      path: '/v1/events',
      access: access.rule('read'),
      handler: (): StreamResponse => ({
        status: 200,
        contentType: 'text/event-stream; charset=utf-8',
        start: (write) => {
          let last = fingerprints(deps);
          write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ kinds: Object.keys(last) })}\n\n`);
          // Compared on a timer rather than pushed from every stage: one cheap check per open
          // console, and no stage needs to know the console exists.
          const check = setInterval(() => {
            const now = fingerprints(deps);
            const kinds = Object.keys(now).filter((k) => now[k] !== last[k]);
            last = now;
            if (kinds.length > 0) write(`event: change\ndata: ${JSON.stringify({ kinds })}\n\n`);
          }, CHECK_MS);
          const beat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
          return () => {
            clearInterval(check);
            clearInterval(beat);
          };
        },
      }),
    },
  ];
}
