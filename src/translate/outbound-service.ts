// Everything a client needs to call one service, whatever the client's kind: a cluster and a
// ClusterLoadAssignment for the whole service and for each of its subsets.
import type { ServicePolicy } from '../model';
import { TypeUrl, type ResourceTypeUrl } from '../proto/type-urls';
import { buildOutboundCluster } from './clusters';
import type { TranslateContext } from './context';
import { buildClusterLoadAssignment, endpointInstances, matchesSelector } from './endpoints';
import { memoized } from './memo';
import { serviceClusterName, subsetClusterName } from './names';
import { compareNames } from './reachability';
import type { ResourceCollector } from './resource-collector';

/**
 * Clusters for every defined subset, not only those a route names today: subsets no route can
 * reach are a config error (SPEC §2), and keeping the set independent of the routes means a
 * route change never removes a cluster that an in-flight route update still points at.
 */
export function addServiceClusters(ctx: TranslateContext, service: ServicePolicy, out: ResourceCollector): void {
  // Built once per (policy, instance list, consumer kind, upstream variant) and shared by every
  // group that calls the service; a registry change to another service leaves these untouched.
  const registered = ctx.state.instances.get(service.name);
  const anchor = registered ?? service;
  const key = `clusters\0${ctx.memo && registered ? ctx.memo.idOf(service) : ''}\0${ctx.proxy.kind}\0${ctx.security.upstreamVariant(ctx)}`;
  const resources = memoized(ctx, anchor, key, () => buildServiceClusters(ctx, service));
  for (const r of resources) out.add(r.typeUrl, r.name, r.message);
}

interface TypedResource {
  readonly typeUrl: ResourceTypeUrl;
  readonly name: string;
  readonly message: object;
}

function buildServiceClusters(ctx: TranslateContext, service: ServicePolicy): TypedResource[] {
  const instances = endpointInstances(ctx, service);
  const targets = [
    { cluster: serviceClusterName(service.name), members: instances },
    ...Object.keys(service.subsets)
      .sort(compareNames)
      .map((subset) => ({
        cluster: subsetClusterName(service.name, subset),
        members: instances.filter((i) => matchesSelector(i.labels, service.subsets[subset])),
      })),
  ];
  return targets.flatMap(({ cluster, members }) => [
    { typeUrl: TypeUrl.Cluster, name: cluster, message: buildOutboundCluster(ctx, service, cluster) },
    { typeUrl: TypeUrl.ClusterLoadAssignment, name: cluster, message: buildClusterLoadAssignment(cluster, members) },
  ]);
}
