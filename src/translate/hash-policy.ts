// Session affinity: what a route hashes for the consistent-hash load balancer (ring_hash or
// maglev) of the service it routes to. Envoy hashes a header, a cookie or the source address;
// grpc-js-xds (gRFC A42) hashes a header or its channel's id and ignores every other policy.
import type { _envoy_config_route_v3_RouteAction_HashPolicy as HashPolicy } from '../generated/envoy/config/route/v3/RouteAction';
import type { ServicePolicy } from '../model';
import { durationFromMs } from '../util/durations';
import { isGrpcClient, type TranslateContext } from './context';

/** The filter-state key grpc-js-xds hashes to pin every call of one channel to one backend. */
export const GRPC_CHANNEL_ID_KEY = 'io.grpc.channel_id';

export function hashPolicyFor(ctx: TranslateContext, service: ServicePolicy): HashPolicy[] {
  const hash = service.trafficPolicy?.consistentHash;
  if (!hash) return [];
  if ('header' in hash) return [{ header: { header_name: hash.header } }];
  if (isGrpcClient(ctx)) {
    // The nearest gRPC can do: one client channel (one client process, usually) sticks to one
    // backend, which is what cookie and source-address affinity give a browser or a caller.
    const what = 'cookie' in hash ? `cookie ${hash.cookie.name}` : 'the source IP';
    ctx.warnings.add(service.name, `gRPC clients cannot hash ${what}; each client channel is pinned to one backend instead`);
    return [{ filter_state: { key: GRPC_CHANNEL_ID_KEY } }];
  }
  if ('cookie' in hash) {
    const { name, ttlMs } = hash.cookie;
    return [{ cookie: { name, ...(ttlMs !== undefined && { ttl: durationFromMs(ttlMs) }) } }];
  }
  return [{ connection_properties: { source_ip: true } }];
}
