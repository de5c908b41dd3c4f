// Everything a client needs to call one service, whatever the client's kind: a cluster and a
// ClusterLoadAssignment for the whole service and for each of its subsets.
import type { ClusterLoadAssignment } from '../generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { ExternalService, Instance, ServicePolicy } from '../model';
import { TypeUrl, type ResourceTypeUrl } from '../proto/type-urls';
import { buildOutboundCluster } from './clusters';
import { isGrpcClient, type TranslateContext } from './context';
import { buildClusterLoadAssignment, endpointInstances, isHostnameInstance, localityPlacer, matchesSelector } from './endpoints';
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
  // For an external service this only warns about instances registered under its name.
  const instances = endpointInstances(ctx, service);
  if (service.external) return [clusterResource(serviceClusterName(service.name), buildExternalCluster(ctx, service, service.external))];
  const targets = [
    { cluster: serviceClusterName(service.name), members: instances },
    ...Object.keys(service.subsets)
      .sort(compareNames)
      .map((subset) => ({
        cluster: subsetClusterName(service.name, subset),
        members: instances.filter((i) => matchesSelector(i.labels, service.subsets[subset])),
      })),
  ];
  return targets.flatMap(({ cluster, members }) => targetResources(ctx, service, cluster, members));
}

function clusterResource(name: string, message: object): TypedResource {
  return { typeUrl: TypeUrl.Cluster, resource: Object.freeze({ name, message }) };
}

/**
 * One target's cluster, and its ClusterLoadAssignment when it is an EDS cluster. A target with a
 * member registered by hostname cannot be EDS (EDS carries IP addresses only), so the client
 * resolves it: an Envoy sidecar gets a DNS cluster holding every member (IPs resolve to
 * themselves), grouped by zone as EDS would group them. grpc-js-xds resolves only LOGICAL_DNS, one
 * name per cluster: a lone hostname member gets that, and otherwise its hostname members are left
 * out of the EDS cluster with a warning.
 */
function targetResources(ctx: TranslateContext, service: ServicePolicy, cluster: string, members: readonly Instance[]): TypedResource[] {
  const place = localityPlacer(ctx, service);
  const hostnames = members.filter(isHostnameInstance);
  if (hostnames.length > 0 && (!isGrpcClient(ctx) || members.length === 1)) {
    const type = members.length === 1 ? 'LOGICAL_DNS' : 'STRICT_DNS';
    return [
      clusterResource(cluster, buildOutboundCluster(ctx, service, cluster, { type, loadAssignment: buildClusterLoadAssignment(cluster, members, place) })),
    ];
  }
  if (hostnames.length > 0) {
    ctx.warnings.add(
      service.name,
      `gRPC clients resolve only one DNS name per cluster; ${cluster} has ${members.length} instances, so ${hostnames.map((i) => `${i.id} (${i.address})`).join(', ')} ${hostnames.length === 1 ? 'is' : 'are'} left out for them`,
    );
  }
  const edsMembers = hostnames.length > 0 ? members.filter((i) => !isHostnameInstance(i)) : members;
  return [
    clusterResource(cluster, buildOutboundCluster(ctx, service, cluster)),
    { typeUrl: TypeUrl.ClusterLoadAssignment, resource: Object.freeze({ name: cluster, message: buildClusterLoadAssignment(cluster, edsMembers, place) }) },
  ];
}

/**
 * A service outside the mesh: one DNS cluster over its hosts at its port. gRPC resolves one name
 * (LOGICAL_DNS), so with several hosts it gets the first, with a warning.
 */
function buildExternalCluster(ctx: TranslateContext, service: ServicePolicy, external: ExternalService): object {
  const name = serviceClusterName(service.name);
  let hosts = external.hosts;
  if (isGrpcClient(ctx) && hosts.length > 1) {
    ctx.warnings.add(service.name, `gRPC clients resolve only one DNS name per cluster; they call ${hosts[0]} and not ${hosts.slice(1).join(', ')}`);
    hosts = hosts.slice(0, 1);
  }
  const loadAssignment: ClusterLoadAssignment = {
    cluster_name: name,
    endpoints: [
      {
        locality: {},
        lb_endpoints: hosts.map((host) => ({ endpoint: { address: { socket_address: { address: host, port_value: external.port } } } })),
      },
    ],
  };
  return buildOutboundCluster(ctx, service, name, { type: hosts.length === 1 ? 'LOGICAL_DNS' : 'STRICT_DNS', loadAssignment });
}
