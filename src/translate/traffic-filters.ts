// The HTTP connection manager pieces traffic policy adds, kept in one place so the listener and
// HCM builders only call in here: the fault filter on the calling side (client-side faults, as in
// Istio), the local rate limit on a service's inbound side, and the client-certificate header an
// inbound sidecar hands its app. Each filter is present only where some policy uses it, so a mesh
// without these settings gets exactly the listeners it got before.
import type { HttpFilter } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter';
import type { HTTPFault } from '../generated/envoy/extensions/filters/http/fault/v3/HTTPFault';
import type { FractionalPercent } from '../generated/envoy/type/v3/FractionalPercent';
import type { Any } from '../generated/google/protobuf/Any';
import type { FaultInjection, ServicePolicy } from '../model';
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
