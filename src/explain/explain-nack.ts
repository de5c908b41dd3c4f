// `switchyard explain --nack NODE`: a proxy's last NACK per type, turned into the resources it
// refused and the mesh-file settings each one was built from.
import { shortTypeName, TypeUrl } from '../proto/type-urls';
import type { TypeSyncStatus } from '../xds/stream-status';
import type { HeldResources } from './held-resources';
import { MeshPlaces, type MeshPlace } from './mesh-places';
import type { MeshConfig } from '../model';
import type { MeshLocations } from '../config/parse';

export interface NackExplanation {
  readonly type: string;
  readonly version: string;
  readonly message: string;
  readonly at: string;
  /** Whether the proxy still holds an older version it ACKed (it keeps serving that). */
  readonly stillServing?: string;
  readonly resources: ReadonlyArray<{ readonly name: string; readonly mesh: readonly MeshPlace[]; readonly namedInMessage: boolean }>;
}

/** The mesh settings a resource of this type and name was built from (names: src/translate/names.ts). */
export function meshPlacesOf(places: MeshPlaces, typeUrl: string, name: string): MeshPlace[] {
  const out: Array<MeshPlace | undefined> = [];
  const serviceAnd = (service: string, rest: Array<MeshPlace | undefined>) => [places.serviceEntry(service), ...rest];
  if (typeUrl === TypeUrl.Cluster || typeUrl === TypeUrl.ClusterLoadAssignment) {
    if (name.startsWith('inbound|')) out.push(...serviceAnd(name.slice('inbound|'.length), []));
    else {
      const [service, subset] = name.split('/');
      if (places.service(service!)) {
        out.push(...serviceAnd(service!, [subset !== undefined ? places.subset(service!, subset) : undefined]));
        if (typeUrl === TypeUrl.Cluster) out.push(places.trafficPolicy(service!));
        else out.push(...places.service(service!)!.endpoints.map((_, i) => places.staticEndpoint(service!, i)));
      }
    }
  } else if (typeUrl === TypeUrl.RouteConfiguration || typeUrl === TypeUrl.Listener) {
    const tcpPort = /^outbound\|(\d+)$/.exec(name);
    const tcp = tcpPort ? places.tcpServiceOnPort(Number(tcpPort[1])) : undefined;
    if (tcp) out.push(...serviceAnd(tcp.name, [tcp.routes.length > 0 ? places.route(tcp.name, 0) : undefined]));
    else if (places.service(name)) {
      const svc = places.service(name)!;
      out.push(
        ...serviceAnd(
          name,
          svc.routes.map((_, i) => places.route(name, i)),
        ),
      );
    } else if (name.startsWith('outbound|')) {
      // The shared outbound listener and route configuration: every http/grpc service's routes.
      for (const svc of places.config.services)
        if (svc.protocol !== 'tcp')
          out.push(
            ...serviceAnd(
              svc.name,
              svc.routes.map((_, i) => places.route(svc.name, i)),
            ),
          );
    }
  }
  return out.filter((p): p is MeshPlace => p !== undefined);
}

export function explainNacks(
  config: MeshConfig,
  locations: MeshLocations | undefined,
  streams: ReadonlyArray<{ types: readonly TypeSyncStatus[]; rejected: HeldResources; held: HeldResources; nodeService: string }>,
): NackExplanation[] {
  const places = new MeshPlaces(config, locations);
  const out: NackExplanation[] = [];
  for (const s of streams) {
    for (const t of s.types) {
      if (!t.lastNack) continue;
      const refused = s.rejected.get(t.typeUrl) ?? [];
      const held = s.held.get(t.typeUrl) ?? [];
      // Prefer what the refused response carried; else the names the proxy's message mentions.
      const candidates = refused.length > 0 ? refused.map((r) => r.name) : held.map((r) => r.name);
      const named = candidates.filter((n) => t.lastNack!.message.includes(n));
      const chosen = named.length > 0 ? named : candidates;
      out.push({
        type: shortTypeName(t.typeUrl),
        version: t.lastNack.version,
        message: t.lastNack.message,
        at: new Date(t.lastNack.at).toISOString(),
        ...(t.ackedVersion !== undefined && { stillServing: t.ackedVersion }),
        resources: chosen.map((name) => ({ name, namedInMessage: named.includes(name), mesh: meshPlacesOf(places, t.typeUrl, name) })),
      });
    }
  }
  return out;
}
