// Whether a proxy holds everything it was meant to: what `switchyard wait-ready` and
// GET /v1/proxies/{node}/ready answer, so an application can start only after its proxy.
import { TypeUrl, shortTypeName } from '../proto/type-urls';
import type { Snapshot } from './snapshot';
import type { StreamStatus } from './stream-status';

export interface ProxyReadiness {
  readonly node: string;
  readonly ready: boolean;
  /** Why not, one line each (empty when ready). */
  readonly waitingFor: string[];
  /** Per type across the node's streams: the version it ACKed, or undefined. */
  readonly types: Record<string, { sentVersion?: string; ackedVersion?: string; nacked: boolean }>;
}

/**
 * A proxy is ready when it has a bound stream, every type it subscribed to was sent and ACKed at
 * the version sent (no NACK, nothing pending), and every type its group's snapshot holds
 * resources of has been subscribed to. The last rule matters because proxies subscribe in steps
 * (Envoy asks for EDS only after CDS, gRPC for RDS only after LDS): without it a proxy that had
 * ACKed its clusters but not yet asked for their endpoints would count as ready.
 */
export function proxyReadiness(node: string, streams: ReadonlyArray<{ status: StreamStatus; snapshot?: Snapshot }>): ProxyReadiness {
  const waitingFor: string[] = [];
  const types: ProxyReadiness['types'] = {};
  const bound = streams.filter((s) => s.status.group !== undefined);
  if (bound.length === 0) waitingFor.push(`no stream from node "${node}" is connected yet`);
  const subscribed = new Set<string>();
  for (const { status } of bound) {
    for (const t of status.types) {
      subscribed.add(t.typeUrl);
      const name = shortTypeName(t.typeUrl);
      const nacked = t.lastNack !== undefined && t.lastNack.version === t.sentVersion;
      types[name] = { sentVersion: t.sentVersion, ackedVersion: t.ackedVersion, nacked };
      if (t.sentVersion === undefined) waitingFor.push(`${name}: nothing sent yet`);
      else if (nacked) waitingFor.push(`${name}: version ${t.sentVersion} was NACKed: ${t.lastNack!.message}`);
      else if (t.pendingAck || t.ackedVersion !== t.sentVersion) waitingFor.push(`${name}: version ${t.sentVersion} not ACKed yet`);
    }
  }
  for (const { status, snapshot } of bound) {
    if (!snapshot) {
      waitingFor.push(`stream ${status.id}: its group's config is not built yet`);
      continue;
    }
    // A per-type stream (CDS only, say) answers for its own type; ADS for all of them.
    const own = status.service === 'ads' ? snapshot.typeUrls() : status.types.map((t) => t.typeUrl);
    for (const typeUrl of own) {
      // Secrets are fetched by name when a cluster or listener refers to them (and proxyless
      // clients read certificate files instead), so an unrequested secret is not a wait.
      if (typeUrl === TypeUrl.Secret) continue;
      if (snapshot.resources(typeUrl).size > 0 && !subscribed.has(typeUrl)) waitingFor.push(`${shortTypeName(typeUrl)}: not subscribed yet`);
    }
  }
  return { node, ready: waitingFor.length === 0, waitingFor: [...new Set(waitingFor)], types };
}
