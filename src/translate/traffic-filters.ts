// The HTTP connection manager pieces traffic policy adds, kept in one place so the listener and
// HCM builders only call in here: the fault filter on the calling side (client-side faults, as in
// Istio), the local rate limit on a service's inbound side, and the client-certificate header an
// inbound sidecar hands its app. Each filter is present only where some policy uses it, so a mesh
// without these settings gets exactly the listeners it got before.
import type { HttpFilter } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter';
import type { HTTPFault } from '../generated/envoy/extensions/filters/http/fault/v3/HTTPFault';
import type { LocalRateLimit } from '../generated/envoy/extensions/filters/http/local_ratelimit/v3/LocalRateLimit';
import type { FractionalPercent } from '../generated/envoy/type/v3/FractionalPercent';
import type { Any } from '../generated/google/protobuf/Any';
import type { HeaderValueOption } from '../generated/envoy/config/core/v3/HeaderValueOption';
import type { Route as EnvoyRoute } from '../generated/envoy/config/route/v3/Route';
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager';
import type { RouteAction } from '../generated/envoy/config/route/v3/RouteAction';
import type { FaultInjection, HeaderMutation, Route, RouteHeaders, ServicePolicy } from '../model';
import { destinationClusterName } from './names';
import { isGrpcClient, type TranslateContext } from './context';
import { packAny } from '../proto/codec';
import { durationFromMs } from '../util/durations';
import { FilterName, TypeName } from './type-names';

/** Whether any route of these services injects faults (then their HCM needs the fault filter). */
function injectsFaults(services: readonly ServicePolicy[]): boolean {
  return services.some((s) => s.protocol !== 'tcp' && s.routes.some((r) => r.fault !== undefined));
}

/**
 * Filters before the router on an outbound HCM serving `services`. The fault filter's own config
 * injects nothing; each faulty route carries its fault as a per-route override (routeFaultConfig),
 * which Envoy and grpc-js-xds (gRFC A33) both apply.
 */
export function outboundHttpFilters(services: readonly ServicePolicy[]): HttpFilter[] {
  if (!injectsFaults(services)) return [];
  const none: HTTPFault = {};
  return [{ name: FilterName.Fault, typed_config: packAny(TypeName.HttpFault, none) }];
}

/** typed_per_filter_config of a route with a fault. */
export function routeFaultConfig(fault: FaultInjection | undefined): Record<string, Any> | undefined {
  if (!fault) return undefined;
  const config: HTTPFault = {
    ...(fault.delay && { delay: { fixed_delay: durationFromMs(fault.delay.fixedMs), percentage: fractionalPercent(fault.delay.percent) } }),
    ...(fault.abort && {
      abort: {
        ...(fault.abort.httpStatus !== undefined ? { http_status: fault.abort.httpStatus } : { grpc_status: fault.abort.grpcStatus }),
        percentage: fractionalPercent(fault.abort.percent),
      },
    }),
  };
  return { [FilterName.Fault]: packAny(TypeName.HttpFault, config) };
}

/** A percentage as Envoy's FractionalPercent: whole percents over a hundred, finer ones over a million. */
export function fractionalPercent(percent: number): FractionalPercent {
  if (Number.isInteger(percent)) return { numerator: percent, denominator: 'HUNDRED' };
  return { numerator: Math.round(percent * 10_000), denominator: 'MILLION' };
}

/**
 * A route's header changes as Envoy route fields. `set` overwrites (or adds), `add` appends to
 * what is there. gRPC clients ignore header lists, so they get none (with a warning).
 */
export function routeHeaderFields(ctx: TranslateContext, service: ServicePolicy, headers: RouteHeaders | undefined): Partial<EnvoyRoute> {
  if (!headers) return {};
  if (isGrpcClient(ctx)) {
    ctx.warnings.add(service.name, 'gRPC clients do not apply route headers; requests and responses pass unchanged');
    return {};
  }
  const options = (m: HeaderMutation | undefined): HeaderValueOption[] => [
    ...Object.entries(m?.set ?? {}).map(([key, value]) => ({ header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' as const })),
    ...Object.entries(m?.add ?? {}).map(([key, value]) => ({ header: { key, value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' as const })),
  ];
  const requestAdd = options(headers.request);
  const responseAdd = options(headers.response);
  return {
    ...(requestAdd.length > 0 && { request_headers_to_add: requestAdd }),
    ...(headers.request?.remove?.length && { request_headers_to_remove: [...headers.request.remove] }),
    ...(responseAdd.length > 0 && { response_headers_to_add: responseAdd }),
    ...(headers.response?.remove?.length && { response_headers_to_remove: [...headers.response.remove] }),
  };
}

/**
 * The inbound side of a sidecar that terminates mTLS tells its app who called: Envoy drops any
 * x-forwarded-client-cert the caller sent and sets its own with the caller certificate's URI SAN,
 * the caller's SPIFFE ID (SANITIZE_SET). Without mTLS there is no certificate to report, and
 * Envoy's default (SANITIZE: strip the header) already keeps a caller from forging one.
 */
export function inboundClientCertFields(
  ctx: TranslateContext,
  service: ServicePolicy,
): Pick<HttpConnectionManager, 'forward_client_cert_details' | 'set_current_client_cert_details'> {
  if (isGrpcClient(ctx) || ctx.security.upstreamTransportSocket(ctx, service) === undefined) return {};
  return { forward_client_cert_details: 'SANITIZE_SET', set_current_client_cert_details: { uri: true } };
}

/**
 * A route's mirror as Envoy's request_mirror_policies: the caller's sidecar copies the share of
 * requests to the target's cluster (the mesh file guarantees every caller holds it) and drops
 * the answers. gRPC clients do not mirror (a warning says so).
 */
export function routeMirrorFields(ctx: TranslateContext, service: ServicePolicy, route: Route): Pick<RouteAction, 'request_mirror_policies'> {
  const mirror = route.mirror;
  if (!mirror) return {};
  if (isGrpcClient(ctx)) {
    ctx.warnings.add(service.name, 'gRPC clients do not mirror requests; mirror applies to Envoy sidecars only');
    return {};
  }
  return {
    request_mirror_policies: [
      { cluster: destinationClusterName(mirror.service, mirror.subset), runtime_fraction: { default_value: fractionalPercent(mirror.percent) } },
    ],
  };
}

/**
 * Filters after authorization and before the router on a sidecar's inbound HCM: the local rate
 * limit, one token bucket per sidecar (so per instance), refilled every second. Placed after RBAC
 * so refused callers spend no tokens.
 */
export function inboundHttpFilters(service: ServicePolicy): HttpFilter[] {
  const limit = service.rateLimit;
  if (!limit) return [];
  const config: LocalRateLimit = {
    stat_prefix: `inbound_${service.name}_ratelimit`,
    token_bucket: { max_tokens: limit.burst, tokens_per_fill: { value: limit.requestsPerSecond }, fill_interval: { seconds: 1 } },
    // Both default to 0%: without them the filter would neither count nor refuse anything.
    filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
    filter_enforced: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
    // A gRPC caller sees RESOURCE_EXHAUSTED rather than the UNAVAILABLE a 429 maps to.
    ...(service.protocol === 'grpc' && { rate_limited_as_resource_exhausted: true }),
  };
  return [{ name: FilterName.LocalRateLimit, typed_config: packAny(TypeName.LocalRateLimit, config) }];
}
