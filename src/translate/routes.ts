// RDS. Each callable service becomes one virtual host holding its routes. A proxyless gRPC client
// gets a route configuration per service (its API listener serves that one service, so the virtual
// host matches any authority); an Envoy sidecar gets one for its shared HTTP outbound listener,
// with a virtual host per service chosen by Host/:authority.
import type { HeaderMatcher } from '../generated/envoy/config/route/v3/HeaderMatcher';
import type { Route as EnvoyRoute } from '../generated/envoy/config/route/v3/Route';
import type { RouteAction } from '../generated/envoy/config/route/v3/RouteAction';
import type { RouteConfiguration } from '../generated/envoy/config/route/v3/RouteConfiguration';
import type { VirtualHost } from '../generated/envoy/config/route/v3/VirtualHost';
import type { RouteMatch as EnvoyRouteMatch } from '../generated/envoy/config/route/v3/RouteMatch';
import type { Route, RouteMatch, ServicePolicy } from '../model';
import { isGrpcClient, type TranslateContext } from './context';
import { resolveDestinations } from './destinations';
import { durationFromMs } from '../util/durations';
import { memoized } from './memo';
import { serviceClusterName, serviceRouteConfigName, sidecarOutboundRouteConfigName } from './names';
import { compareNames } from './reachability';
import { buildRetryPolicy } from './retry-policy';

/** A proxyless gRPC client's routes for `xds:///<service>`. */
export function buildServiceRouteConfiguration(ctx: TranslateContext, service: ServicePolicy): RouteConfiguration {
  return memoized(ctx, [service], 'service-routes', ctx.proxy.kind, () => ({
    name: serviceRouteConfigName(service.name),
    virtual_hosts: [buildVirtualHost(ctx, service, ['*'])],
  }));
}

/**
 * An Envoy sidecar's routes for every HTTP/gRPC service it may call, by the authority the app
 * addresses it with: `catalog` or `catalog:8080` (as in http://catalog:8080/ through the sidecar
 * as HTTP proxy, or a Host / :authority header on a request to 127.0.0.1:15001). Any other
 * authority matches no virtual host and gets a 404 from the sidecar.
 */
export function buildSidecarOutboundRouteConfiguration(ctx: TranslateContext, services: readonly ServicePolicy[]): RouteConfiguration {
  return {
    name: sidecarOutboundRouteConfigName(ctx.options.outboundHttpPort),
    virtual_hosts: services.map((s) =>
      memoized(ctx, [s], 'vhost-by-authority', ctx.proxy.kind, () => buildVirtualHost(ctx, s, [s.name, `${s.name}:${s.port}`])),
    ),
  };
}

function buildVirtualHost(ctx: TranslateContext, service: ServicePolicy, domains: string[]): VirtualHost {
  // No routes means all traffic to all instances. With routes, a request none of them
  // matches gets no route (404 from Envoy, UNAVAILABLE in gRPC), as the mesh file says: first
  // match wins and there is nothing after the last.
  const routes = service.routes.length > 0 ? service.routes.map((r) => buildRoute(ctx, service, r)) : [buildCatchAllRoute(ctx, service)];
  return { name: service.name, domains, routes };
}

function buildRoute(ctx: TranslateContext, service: ServicePolicy, route: Route): EnvoyRoute {
  const targets = resolveDestinations(ctx, service, route.destinations);
  const action: RouteAction = {
    ...(targets.length === 1
      ? { cluster: targets[0].cluster }
      : { weighted_clusters: { clusters: targets.map((t) => ({ name: t.cluster, weight: { value: t.weight } })) } }),
    ...timeoutFields(ctx, route.timeoutMs),
  };
  const retryPolicy = buildRetryPolicy(ctx, service, route.retries);
  return { match: buildRouteMatch(ctx, service, route.match), route: retryPolicy ? { ...action, retry_policy: retryPolicy } : action };
}

function buildCatchAllRoute(ctx: TranslateContext, service: ServicePolicy): EnvoyRoute {
  return { match: { prefix: '/' }, route: { cluster: serviceClusterName(service.name), ...timeoutFields(ctx, undefined) } };
}

/**
 * Envoy reads route.timeout, and applies 15s when it is unset, which would cut off long gRPC
 * streams and slow responses nobody asked to bound; as in Istio, no timeout unless one is
 * written (0 disables it). gRPC ignores route.timeout and takes max_stream_duration (gRFC A31).
 */
export function timeoutFields(ctx: TranslateContext, timeoutMs: number | undefined): Pick<RouteAction, 'timeout' | 'max_stream_duration'> {
  if (isGrpcClient(ctx)) {
    return timeoutMs === undefined ? {} : { max_stream_duration: { max_stream_duration: durationFromMs(timeoutMs) } };
  }
  return { timeout: durationFromMs(timeoutMs ?? 0) };
}

export function buildRouteMatch(ctx: TranslateContext, service: ServicePolicy, match: RouteMatch): EnvoyRouteMatch {
  if (match.path !== undefined && match.pathPrefix !== undefined) {
    ctx.warnings.add(service.name, `a route matches both path ${match.path} and pathPrefix ${match.pathPrefix}; the exact path is used`);
  }
  const path: EnvoyRouteMatch = match.path !== undefined ? { path: match.path } : { prefix: match.pathPrefix ?? '/' };
  const headers = buildHeaderMatchers(match.headers);
  return headers.length > 0 ? { ...path, headers } : path;
}

/** Exact header matches, sorted by name so the output does not depend on key order in the file. */
function buildHeaderMatchers(headers: Readonly<Record<string, string>> | undefined): HeaderMatcher[] {
  if (!headers) return [];
  // Both Envoy and gRPC compare header names case-insensitively; lower case is the canonical form.
  return Object.entries(headers)
    .map(([name, value]) => ({ name: name.toLowerCase(), value }))
    .sort((a, b) => compareNames(a.name, b.name))
    .map(({ name, value }) => ({ name, string_match: { exact: value } }));
}
