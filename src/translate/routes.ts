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
import { TIMEOUT_SKEW_MS } from './consumers';
import { isGrpcClient, type TranslateContext } from './context';
import { resolveDestinations } from './destinations';
import { durationFromMs } from '../util/durations';
import { memoized } from './memo';
import { serviceClusterName, serviceRouteConfigName, sidecarOutboundRouteConfigName } from './names';
import { compareNames } from './reachability';
import { buildRetryPolicy } from './retry-policy';
import { hashPolicyFor } from './hash-policy';
import { routeFaultConfig, routeHeaderFields, routeMirrorFields } from './traffic-filters';

/** A proxyless gRPC client's routes for `xds:///<service>`. */
export function buildServiceRouteConfiguration(ctx: TranslateContext, service: ServicePolicy): RouteConfiguration {
  return memoized(ctx, [service], 'service-routes', ctx.consumerVariant, () => ({
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
      memoized(ctx, [s], 'vhost-by-authority', ctx.consumerVariant, () => buildVirtualHost(ctx, s, [s.name, `${s.name}:${s.port}`])),
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
    ...timeoutFields(ctx, route.timeoutMs, service),
    ...hostRewrite(ctx, service),
    ...hashPolicies(ctx, service),
    ...routeMirrorFields(ctx, service, route),
  };
  const retryPolicy = buildRetryPolicy(ctx, service, route.retries);
  const perFilter = routeFaultConfig(route.fault);
  return {
    match: buildRouteMatch(ctx, service, route.match),
    route: retryPolicy ? { ...action, retry_policy: retryPolicy } : action,
    ...routeHeaderFields(ctx, service, route.headers),
    ...(perFilter && { typed_per_filter_config: perFilter }),
  };
}

function buildCatchAllRoute(ctx: TranslateContext, service: ServicePolicy): EnvoyRoute {
  return {
    match: { prefix: '/' },
    route: { cluster: serviceClusterName(service.name), ...timeoutFields(ctx, undefined), ...hostRewrite(ctx, service), ...hashPolicies(ctx, service) },
  };
}

function hashPolicies(ctx: TranslateContext, service: ServicePolicy): Pick<RouteAction, 'hash_policy'> {
  const policies = hashPolicyFor(ctx, service);
  return policies.length > 0 ? { hash_policy: policies } : {};
}

/**
 * The app addresses an external service by its mesh name (Host: payment-provider); the provider
 * expects its own name. auto_host_rewrite swaps in the DNS name of the host the DNS cluster
 * picked. gRPC sets :authority from its target and ignores this.
 */
function hostRewrite(ctx: TranslateContext, service: ServicePolicy): Pick<RouteAction, 'auto_host_rewrite'> {
  return service.external && !isGrpcClient(ctx) ? { auto_host_rewrite: { value: true } } : {};
}

/**
 * Envoy reads route.timeout, and applies 15s when it is unset, which would cut off long gRPC
 * streams and slow responses nobody asked to bound; as in Istio, no timeout unless one is
 * written (0 disables it). gRPC ignores route.timeout and takes max_stream_duration (gRFC A31).
 */
export function timeoutFields(
  ctx: TranslateContext,
  timeoutMs: number | undefined,
  service?: ServicePolicy,
): Pick<RouteAction, 'timeout' | 'max_stream_duration'> {
  if (isGrpcClient(ctx)) {
    if (timeoutMs === undefined) return {};
    // consumers.ts, timeout-clock-skew: C-core's timer starts 1-2 s early; 0 (no limit) stays 0.
    const skewed = timeoutMs > 0 && ctx.dialect.rules.has('timeout-clock-skew');
    if (skewed && service) {
      ctx.warnings.add(
        service.name,
        `gRPC C-core clients are sent route timeouts ${TIMEOUT_SKEW_MS / 1000} s longer (C-core 1.51 starts the timer 1-2 s early), so their calls end up to 1 s after the timeout`,
      );
    }
    return { max_stream_duration: { max_stream_duration: durationFromMs(skewed ? timeoutMs + TIMEOUT_SKEW_MS : timeoutMs) } };
  }
  return { timeout: durationFromMs(timeoutMs ?? 0) };
}

export function buildRouteMatch(ctx: TranslateContext, service: ServicePolicy, match: RouteMatch): EnvoyRouteMatch {
  if (match.path !== undefined && match.pathPrefix !== undefined) {
    ctx.warnings.add(service.name, `a route matches both path ${match.path} and pathPrefix ${match.pathPrefix}; the exact path is used`);
  }
  const path: EnvoyRouteMatch = match.path !== undefined ? { path: match.path } : { prefix: match.pathPrefix ?? '/' };
  const headers = buildHeaderMatchers(ctx, match.headers);
  return headers.length > 0 ? { ...path, headers } : path;
}

/**
 * Exact header matches, sorted by name so the output does not depend on key order in the file.
 * string_match is the current form; consumers that NACK it (consumers.ts, header-exact-match)
 * get the deprecated exact_match field, which means the same: case-sensitive, whole value.
 */
function buildHeaderMatchers(ctx: TranslateContext, headers: Readonly<Record<string, string>> | undefined): HeaderMatcher[] {
  if (!headers) return [];
  const legacy = ctx.dialect.rules.has('header-exact-match');
  // Both Envoy and gRPC compare header names case-insensitively; lower case is the canonical form.
  return Object.entries(headers)
    .map(([name, value]) => ({ name: name.toLowerCase(), value }))
    .sort((a, b) => compareNames(a.name, b.name))
    .map(({ name, value }) => (legacy ? { name, exact_match: value } : { name, string_match: { exact: value } }));
}
