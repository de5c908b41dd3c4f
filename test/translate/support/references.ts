// Finds references a resource set makes to resources it does not contain. Works on the decoded,
// Any-expanded form so references inside packed HCM and tcp_proxy configs are seen too.
import { TypeUrl } from '../../../src/proto/type-urls';
import type { ResourceSet } from '../../../src/xds/resource-set';
import { decodeReadable, encodeResource } from './render';

export interface References {
  readonly clusters: Set<string>;
  readonly routeConfigs: Set<string>;
  readonly edsClusters: Set<string>;
}

/** Every cluster named by a route or tcp_proxy, every RDS name in an HCM, every EDS cluster. */
export function collectReferences(resources: ResourceSet): References {
  const refs: References = { clusters: new Set(), routeConfigs: new Set(), edsClusters: new Set() };
  for (const typeUrl of [TypeUrl.Listener, TypeUrl.RouteConfiguration] as const) {
    for (const r of resources[typeUrl]) walk(decodeReadable(typeUrl, encodeResource(typeUrl, r.message)), refs);
  }
  for (const r of resources[TypeUrl.Cluster]) {
    const c = decodeReadable(TypeUrl.Cluster, encodeResource(TypeUrl.Cluster, r.message)) as {
      type?: string;
      name: string;
      eds_cluster_config?: { service_name?: string };
    };
    if (c.type === 'EDS') refs.edsClusters.add(c.eds_cluster_config?.service_name || c.name);
  }
  return refs;
}

function walk(value: unknown, refs: References): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, refs);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const obj = value as Record<string, unknown>;
  // RouteAction.cluster and TcpProxy.cluster; weighted clusters (route and tcp_proxy) by name.
  if (typeof obj.cluster === 'string') refs.clusters.add(obj.cluster);
  const weighted = obj.weighted_clusters as { clusters?: { name: string }[] } | undefined;
  for (const w of weighted?.clusters ?? []) refs.clusters.add(w.name);
  const rds = obj.rds as { route_config_name?: string } | undefined;
  if (rds?.route_config_name) refs.routeConfigs.add(rds.route_config_name);
  for (const v of Object.values(obj)) walk(v, refs);
}

/** Human-readable dangling references; empty when the set is self-contained. */
export function danglingReferences(resources: ResourceSet): string[] {
  const refs = collectReferences(resources);
  const names = (t: keyof ResourceSet) => new Set(resources[t].map((r) => r.name));
  const clusters = names(TypeUrl.Cluster);
  const routes = names(TypeUrl.RouteConfiguration);
  const assignments = names(TypeUrl.ClusterLoadAssignment);
  return [
    ...[...refs.clusters].filter((c) => !clusters.has(c)).map((c) => `cluster ${c} is routed to but not sent`),
    ...[...refs.routeConfigs].filter((r) => !routes.has(r)).map((r) => `route configuration ${r} is named by an HCM but not sent`),
    ...[...refs.edsClusters].filter((c) => !assignments.has(c)).map((c) => `EDS cluster ${c} has no ClusterLoadAssignment`),
  ];
}
