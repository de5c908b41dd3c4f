// Everything a client needs to call one service, whatever the client's kind: a cluster and a
// ClusterLoadAssignment for the whole service and for each of its subsets.
import type { ServicePolicy } from '../model';
import { TypeUrl } from '../proto/type-urls';
import { buildOutboundCluster } from './clusters';
import type { TranslateContext } from './context';
import { buildClusterLoadAssignment, endpointInstances, matchesSelector } from './endpoints';
import { serviceClusterName, subsetClusterName } from './names';
import { compareNames } from './reachability';
import type { ResourceCollector } from './resource-collector';

/**
 * Clusters for every defined subset, not only those a route names today: subsets no route can
 * reach are a config error (SPEC §2), and keeping the set independent of the routes means a
 * route change never removes a cluster that an in-flight route update still points at.
 */
export function addServiceClusters(ctx: TranslateContext, service: ServicePolicy, out: ResourceCollector): void {
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
  for (const { cluster, members } of targets) {
    out.add(TypeUrl.Cluster, cluster, buildOutboundCluster(ctx, service, cluster));
    out.add(TypeUrl.ClusterLoadAssignment, cluster, buildClusterLoadAssignment(cluster, members));
  }
}
