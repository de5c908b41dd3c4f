// Resource names. One place so that every builder that names a resource and every builder that
// refers to it agree (no dangling references). The scheme is documented in translate.ts.
//
// Service names are DNS labels and subset names are letters, digits, '-', '_' and '.', so '/'
// and '|' can never appear inside either: the names below cannot collide with each other.

/** The cluster (and its ClusterLoadAssignment) holding every instance of a service. */
export function serviceClusterName(service: string): string {
  return service;
}

/** The cluster holding only the instances of `service` whose labels match subset `subset`. */
export function subsetClusterName(service: string, subset: string): string {
  return `${service}/${subset}`;
}

/** Where a route destination goes: the subset's cluster, or the whole service's. */
export function destinationClusterName(service: string, subset: string | undefined): string {
  return subset === undefined ? serviceClusterName(service) : subsetClusterName(service, subset);
}

/** The route configuration a proxyless gRPC client uses for `service` (its API listener's RDS). */
export function serviceRouteConfigName(service: string): string {
  return service;
}

/** A proxyless gRPC client dials `xds:///<service>` and so asks for a listener named exactly that. */
export function apiListenerName(service: string): string {
  return service;
}

/**
 * An Envoy sidecar's listeners are named for direction and port: inbound|15006, the shared HTTP
 * outbound listener outbound|15001, a tcp service's outbound|5432. One listener per port, so unique.
 */
export function sidecarListenerName(direction: 'inbound' | 'outbound', port: number): string {
  return `${direction}|${port}`;
}

/** The route configuration of an Envoy sidecar's shared HTTP outbound listener (one virtual host per service). */
export function sidecarOutboundRouteConfigName(port: number): string {
  return `outbound|${port}`;
}

/** The static cluster from an Envoy sidecar to the application beside it (also its inline route config). */
export function inboundClusterName(service: string): string {
  return `inbound|${service}`;
}

/** Envoy stat prefixes may not contain '|' or '/' without surprising stat tag extraction. */
export function statPrefix(direction: 'inbound' | 'outbound', what: string | number): string {
  return `${direction}_${what}`;
}
