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
import type { NamedResource } from '../xds/resource-set';

/**
 * Clusters for every defined subset, not only those a route names today: subsets no route can
 * reach are a config error, and keeping the set independent of the routes means a
 * route change never removes a cluster that an in-flight route update still points at.
 */
export function addServiceClusters(ctx: TranslateContext, service: ServicePolicy, out: ResourceCollector): void {
  // Built once per (policy, instance list, consumer kind, upstream variant) and shared by every
  // group that calls the service; a registry change to another service leaves these untouched.
  // The instance list comes first: it is the short-lived input, so pieces die with it.
  const registered = ctx.state.instances.get(service.name);
  const anchors = registered ? [registered, service] : [service];
  const resources = memoized(ctx, anchors, 'service-clusters', ctx.upstreamVariant, () => buildServiceClusters(ctx, service));
  for (const r of resources) out.addNamed(r.typeUrl, r.resource);
}

interface TypedResource {
  readonly typeUrl: ResourceTypeUrl;
  readonly resource: NamedResource;
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
    { typeUrl: TypeUrl.Cluster, resource: Object.freeze({ name: cluster, message: buildOutboundCluster(ctx, service, cluster) }) },
    { typeUrl: TypeUrl.ClusterLoadAssignment, resource: Object.freeze({ name: cluster, message: buildClusterLoadAssignment(cluster, members) }) },
  ]);
}
