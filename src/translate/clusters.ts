// CDS: one EDS cluster per service and per subset (for clients), and one static cluster from a
// sidecar to the application beside it.
import type { Cluster } from '../generated/envoy/config/cluster/v3/Cluster';
import type { ConfigSource } from '../generated/envoy/config/core/v3/ConfigSource';
import type { HttpProtocolOptions } from '../generated/envoy/extensions/upstreams/http/v3/HttpProtocolOptions';
import type { Any } from '../generated/google/protobuf/Any';
import type { ServicePolicy } from '../model';
import { packAny } from '../proto/codec';
import { circuitBreakersFor, lbPolicyFor, outlierDetectionFor } from './cluster-policy';
import { isGrpcClient, type TranslateContext } from './context';
import { durationFromMs } from '../util/durations';
import { inboundClusterName } from './names';
import { TypeName } from './type-names';

/** Resources come over the same ADS stream (Envoy and gRPC both accept only ads/self here). */
export function adsConfigSource(): ConfigSource {
  return { ads: {}, resource_api_version: 'V3' };
}

/**
 * An outbound EDS cluster named `clusterName` for `service` (its whole set or one subset; the
 * cluster's policy is the service's either way). EDS cluster_name is the cluster name itself, so
 * eds_cluster_config.service_name stays empty.
 */
export function buildOutboundCluster(ctx: TranslateContext, service: ServicePolicy, clusterName: string): Cluster {
  const grpc = isGrpcClient(ctx);
  const circuitBreakers = circuitBreakersFor(ctx, service);
  const outlierDetection = outlierDetectionFor(ctx, service);
  const transportSocket = ctx.security.upstreamTransportSocket(ctx, service);
  return {
    name: clusterName,
    type: 'EDS',
    eds_cluster_config: { eds_config: adsConfigSource() },
    connect_timeout: durationFromMs(service.trafficPolicy?.connectTimeoutMs ?? ctx.options.defaultConnectTimeoutMs),
    lb_policy: lbPolicyFor(ctx, service),
    ...(circuitBreakers && { circuit_breakers: circuitBreakers }),
    ...(outlierDetection && { outlier_detection: outlierDetection }),
    // Envoy's panic mode (by default once half the hosts are unhealthy) would send traffic to
    // instances the registry marked unhealthy; as in Istio, health wins. gRPC never routes to
    // unhealthy endpoints and ignores common_lb_config.
    ...(!grpc && { common_lb_config: { healthy_panic_threshold: { value: 0 } } }),
    ...(transportSocket && { transport_socket: transportSocket }),
    ...(!grpc && upstreamProtocolOptions(service)),
  };
}

/** The sidecar's route to its own application, which listens on the service's port. */
export function buildInboundCluster(ctx: TranslateContext, service: ServicePolicy): Cluster {
  const name = inboundClusterName(service.name);
  return {
    name,
    type: 'STATIC',
    connect_timeout: durationFromMs(service.trafficPolicy?.connectTimeoutMs ?? ctx.options.defaultConnectTimeoutMs),
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [{ endpoint: { address: { socket_address: { address: ctx.options.localAppAddress, port_value: service.port } } } }],
        },
      ],
    },
    ...upstreamProtocolOptions(service),
  };
}

/** gRPC needs HTTP/2 to the upstream; Envoy speaks HTTP/1.1 upstream unless told otherwise. */
function upstreamProtocolOptions(service: ServicePolicy): { typed_extension_protocol_options?: Record<string, Any> } {
  if (service.protocol !== 'grpc') return {};
  const options: HttpProtocolOptions = { explicit_http_config: { http2_protocol_options: {} } };
  return { typed_extension_protocol_options: { [TypeName.UpstreamHttpProtocolOptions]: packAny(TypeName.UpstreamHttpProtocolOptions, options) } };
}
