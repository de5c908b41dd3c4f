// The xDS resource types Switchyard serves, by type URL.

export const TYPE_PREFIX = 'type.googleapis.com/';

export const TypeUrl = {
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type ResourceTypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

export const RESOURCE_TYPE_URLS: readonly ResourceTypeUrl[] = Object.values(TypeUrl);

/**
 * Make-before-break push order: what a resource references is sent before it.
 * Secrets come first since clusters and listeners name them.
 */
export const PUSH_ORDER: readonly ResourceTypeUrl[] = [
  TypeUrl.Secret,
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.Listener,
  TypeUrl.RouteConfiguration,
];

/**
 * In State-of-the-World, LDS and CDS responses carry the client's whole set: a name left out
 * is removed. RDS, EDS and SDS answer only the names requested.
 */
export function isFullStateType(typeUrl: string): boolean {
  return typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.Cluster;
}

export function isKnownTypeUrl(typeUrl: string): typeUrl is ResourceTypeUrl {
  return (RESOURCE_TYPE_URLS as readonly string[]).includes(typeUrl);
}

export function shortTypeName(typeUrl: string): string {
  switch (typeUrl) {
    case TypeUrl.Listener:
      return 'LDS';
    case TypeUrl.RouteConfiguration:
      return 'RDS';
    case TypeUrl.Cluster:
      return 'CDS';
    case TypeUrl.ClusterLoadAssignment:
      return 'EDS';
    case TypeUrl.Secret:
      return 'SDS';
    default:
      return typeUrl;
  }
}
