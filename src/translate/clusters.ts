// CDS: one EDS cluster per service and per subset (for clients), and one static cluster from a
// sidecar to the application beside it.
import type { Cluster } from '../generated/envoy/config/cluster/v3/Cluster';
import type { ConfigSource } from '../generated/envoy/config/core/v3/ConfigSource';
import type { HttpProtocolOptions } from '../generated/envoy/extensions/upstreams/http/v3/HttpProtocolOptions';
import type { Any } from '../generated/google/protobuf/Any';
import { isIP } from 'node:net';
import type { TransportSocket } from '../generated/envoy/config/core/v3/TransportSocket';
import type { ClusterLoadAssignment } from '../generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { UpstreamTlsContext } from '../generated/envoy/extensions/transport_sockets/tls/v3/UpstreamTlsContext';
import type { ExternalService, ServicePolicy } from '../model';
import { MtlsExtensionName, MtlsTypeName } from './mtls-contexts';
import { usesLocalityWeights } from './endpoints';
import { packAny } from '../proto/codec';
import { circuitBreakersFor, healthChecksFor, lbPolicyFor, outlierDetectionFor } from './cluster-policy';
import { isGrpcClient, type TranslateContext } from './context';
import { durationFromMs } from '../util/durations';
import { inboundClusterName } from './names';
import { TypeName } from './type-names';

/** Resources come over the same ADS stream (Envoy and gRPC both accept only ads/self here). */
export function adsConfigSource(): ConfigSource {
  return { ads: {}, resource_api_version: 'V3' };
}

/**
 * Where a cluster's endpoints come from: EDS (registered IP instances), or, when a member is a
 * DNS name (an external service's hosts, or an instance registered by hostname), DNS resolution by
 * the client over an inline load assignment: LOGICAL_DNS for one name (one connection target,
 * re-resolved as the provider's addresses change), STRICT_DNS for several (every address of every
 * name is an endpoint).
 */
export type ClusterSource = { readonly type: 'EDS' } | { readonly type: 'LOGICAL_DNS' | 'STRICT_DNS'; readonly loadAssignment: ClusterLoadAssignment };

/**
 * An outbound cluster named `clusterName` for `service` (its whole set or one subset; the
 * cluster's policy is the service's either way). EDS cluster_name is the cluster name itself, so
 * eds_cluster_config.service_name stays empty.
 */
export function buildOutboundCluster(ctx: TranslateContext, service: ServicePolicy, clusterName: string, source: ClusterSource = { type: 'EDS' }): Cluster {
  const grpc = isGrpcClient(ctx);
  const circuitBreakers = circuitBreakersFor(ctx, service);
  const outlierDetection = outlierDetectionFor(ctx, service);
  const healthChecks = healthChecksFor(ctx, service);
  // A provider outside the mesh holds no mesh certificate: its TLS is the external block's, never mTLS.
  const transportSocket = service.external ? externalTransportSocket(ctx, service, service.external) : ctx.security.upstreamTransportSocket(ctx, service);
  return {
    name: clusterName,
    ...(source.type === 'EDS'
      ? { type: 'EDS', eds_cluster_config: { eds_config: adsConfigSource() } }
      : // respect_dns_ttl: a provider moving its addresses is followed as fast as its DNS says.
        { type: source.type, load_assignment: source.loadAssignment, ...(!grpc && { respect_dns_ttl: true }) }),
    connect_timeout: durationFromMs(service.trafficPolicy?.connectTimeoutMs ?? ctx.options.defaultConnectTimeoutMs),
    lb_policy: lbPolicyFor(ctx, service),
    ...(circuitBreakers && { circuit_breakers: circuitBreakers }),
    ...(outlierDetection && { outlier_detection: outlierDetection }),
    ...(healthChecks && { health_checks: healthChecks }),
    // Envoy's panic mode (by default once half the hosts are unhealthy) would send traffic to
    // instances the registry marked unhealthy; as in Istio, health wins. gRPC never routes to
    // unhealthy endpoints and ignores common_lb_config.
    ...(!grpc && {
      common_lb_config: { healthy_panic_threshold: { value: 0 }, ...(usesLocalityWeights(ctx, service) && { locality_weighted_lb_config: {} }) },
    }),
    ...(transportSocket && { transport_socket: transportSocket }),
    ...(!grpc && upstreamProtocolOptions(service)),
  };
}

/**
 * TLS that an Envoy sidecar originates to an external provider: SNI and the certificate's names
 * are the provider's hosts, checked against the system roots (a public provider's certificate is
 * not from the mesh CA). Proxyless gRPC gets nothing here: grpc-js-xds takes TLS only from its
 * bootstrap's certificate providers (mesh identity), so its channel credentials decide (a warning
 * says so).
 */
function externalTransportSocket(ctx: TranslateContext, service: ServicePolicy, external: ExternalService): TransportSocket | undefined {
  if (external.tls !== 'originate') return undefined;
  if (isGrpcClient(ctx)) {
    ctx.warnings.add(
      service.name,
      "gRPC clients do not originate TLS from xDS to an external service; the channel's own credentials decide whether the call uses TLS",
    );
    return undefined;
  }
  const names = external.hosts.filter((h) => isIP(h) === 0);
  const ips = external.hosts.filter((h) => isIP(h) !== 0);
  const context: UpstreamTlsContext = {
    common_tls_context: {
      ...(service.protocol === 'grpc' && { alpn_protocols: ['h2'] }),
      validation_context: {
        trusted_ca: { filename: ctx.options.systemTrustBundleFile },
        match_typed_subject_alt_names: [
          ...names.map((h) => ({ san_type: 'DNS' as const, matcher: { exact: h } })),
          ...ips.map((h) => ({ san_type: 'IP_ADDRESS' as const, matcher: { exact: h } })),
        ],
      },
    },
    ...(names[0] !== undefined && { sni: names[0] }),
  };
  return { name: MtlsExtensionName.TlsTransportSocket, typed_config: packAny(MtlsTypeName.UpstreamTlsContext, context) };
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
