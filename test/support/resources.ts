// Small hand-built resources for protocol tests (translation has its own tests).
import { TypeUrl, type ResourceTypeUrl } from '../../src/proto/type-urls';
import { packAny } from '../../src/proto/codec';
import type { NamedResource, ResourceSet } from '../../src/xds/resource-set';

export function cluster(name: string, timeoutSeconds = 1): NamedResource {
  return {
    name,
    message: { name, type: 'EDS', connect_timeout: { seconds: timeoutSeconds }, eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } } },
  };
}

export function endpoints(clusterName: string, ports: number[], host = '127.0.0.1'): NamedResource {
  return {
    name: clusterName,
    message: {
      cluster_name: clusterName,
      endpoints: [
        {
          locality: { zone: 'zone-a' },
          load_balancing_weight: { value: 1 },
          lb_endpoints: ports.map((port) => ({ endpoint: { address: { socket_address: { address: host, port_value: port } } }, health_status: 'HEALTHY' })),
        },
      ],
    },
  };
}

export function apiListener(name: string, routeConfigName: string): NamedResource {
  return {
    name,
    message: {
      name,
      api_listener: {
        api_listener: packAny('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
          stat_prefix: name,
          rds: { route_config_name: routeConfigName, config_source: { ads: {}, resource_api_version: 'V3' } },
          http_filters: [{ name: 'router', typed_config: packAny('envoy.extensions.filters.http.router.v3.Router', {}) }],
        }),
      },
    },
  };
}

export function weightedRoute(name: string, weights: Record<string, number>): NamedResource {
  const clusters = Object.entries(weights).map(([c, w]) => ({ name: c, weight: { value: w } }));
  return {
    name,
    message: {
      name,
      virtual_hosts: [{ name, domains: ['*'], routes: [{ match: { prefix: '' }, route: { weighted_clusters: { clusters } } }] }],
    },
  };
}

export function resourceSet(parts: Partial<Record<ResourceTypeUrl, NamedResource[]>>): ResourceSet {
  return {
    [TypeUrl.Listener]: parts[TypeUrl.Listener] ?? [],
    [TypeUrl.RouteConfiguration]: parts[TypeUrl.RouteConfiguration] ?? [],
    [TypeUrl.Cluster]: parts[TypeUrl.Cluster] ?? [],
    [TypeUrl.ClusterLoadAssignment]: parts[TypeUrl.ClusterLoadAssignment] ?? [],
    [TypeUrl.Secret]: parts[TypeUrl.Secret] ?? [],
  };
}
