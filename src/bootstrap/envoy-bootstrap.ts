// An Envoy bootstrap (envoy.config.bootstrap.v3.Bootstrap, in proto3 JSON form) that points a
// sidecar at Switchyard over ADS.
import { isIP } from 'node:net';
import { sdsFileSecretConfig } from './xds-sds-files';

export interface EnvoyBootstrapOptions {
  readonly service: string;
  readonly instance: string;
  readonly xdsHost: string;
  readonly xdsPort: number;
  /** xDS credential: sent as `authorization: Bearer <token>` on the ADS stream. */
  readonly token?: string;
  readonly adminPort: number;
  /**
   * CA bundle file (on the proxy's host) that verifies the control plane's TLS listener.
   * Undefined only for a plaintext control plane (`serve --insecure-xds`).
   */
  readonly xdsCaFile?: string;
  /**
   * Directory (on the proxy's host) holding the workload's cert.pem and key.pem, kept by
   * `switchyard agent`: presented to the control plane as the proof of the proxy's service.
   */
  readonly certDir?: string;
  /** The CA bundle is the cert dir's ca.pem (then it is read through SDS and follows rotations). */
  readonly xdsCaFileFromCertDir?: boolean;
  /** Cluster name of the static xDS cluster. */
  readonly xdsClusterName?: string;
  /**
   * Serve only `/stats/prometheus` on 0.0.0.0:<port> (Istio uses 15090), so Prometheus on another
   * host can scrape the sidecar while the admin API, which can also drain or stop Envoy, stays on
   * loopback.
   */
  readonly prometheusPort?: number;
  /** node.locality: where this sidecar runs; endpoints are prioritised relative to it. */
  readonly zone?: string;
  readonly region?: string;
  /** An ingress gateway (`service` is then the gateway's name): it is sent the mesh file's gateways entry of that name. */
  readonly gateway?: boolean;
}

export const XDS_CLUSTER_NAME = 'switchyard-xds';
/** Node metadata key marking an ingress gateway; its value is the gateway's name (= node.cluster). */
export const GATEWAY_METADATA_KEY = 'switchyard.io/gateway';
export const ADMIN_CLUSTER_NAME = 'envoy-admin';
export const PROMETHEUS_LISTENER_NAME = 'prometheus_stats';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Proto3 JSON (snake_case names, "1s" durations, "@type" Anys), as Envoy reads a bootstrap file. */
export function buildEnvoyBootstrap(o: EnvoyBootstrapOptions): { [key: string]: JsonValue } {
  const cluster = o.xdsClusterName ?? XDS_CLUSTER_NAME;
  const grpcService: { [key: string]: JsonValue } = { envoy_grpc: { cluster_name: cluster } };
  if (o.token) grpcService.initial_metadata = [{ key: 'authorization', value: `Bearer ${o.token}` }];
  return {
    node: {
      id: o.instance,
      cluster: o.service,
      metadata: o.gateway ? { [GATEWAY_METADATA_KEY]: o.service } : { 'switchyard.io/service': o.service },
      ...((o.zone !== undefined || o.region !== undefined) && {
        locality: { ...(o.region !== undefined && { region: o.region }), ...(o.zone !== undefined && { zone: o.zone }) },
      }),
    },
    admin: {
      address: { socket_address: { address: '127.0.0.1', port_value: o.adminPort } },
    },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [grpcService],
        set_node_on_first_message_only: true,
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      ...(o.prometheusPort !== undefined && { listeners: [prometheusListener(o.prometheusPort)] }),
      clusters: [
        ...(o.prometheusPort !== undefined ? [adminCluster(o.adminPort)] : []),
        {
          name: cluster,
          // A hostname (e.g. the compose service name) needs DNS; an IP needs none.
          type: isIP(o.xdsHost) ? 'STATIC' : 'STRICT_DNS',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: cluster,
            endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: o.xdsHost, port_value: o.xdsPort } } } }] }],
          },
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: {
                http2_protocol_options: {
                  // Detects a dead control plane within ~35 s even when no config is flowing.
                  connection_keepalive: { interval: '30s', timeout: '5s' },
                },
              },
            },
          },
          upstream_connection_options: { tcp_keepalive: { keepalive_time: 300 } },
          ...(o.xdsCaFile !== undefined && { transport_socket: xdsTransportSocket(o, o.xdsCaFile) }),
        },
      ],
    },
    stats_config: {
      use_all_default_tags: true,
      stats_tags: [
        { tag_name: 'switchyard_service', fixed_value: o.service },
        { tag_name: 'switchyard_instance', fixed_value: o.instance },
        // Lets dashboards tell a gateway's stats (e.g. its public TLS handshakes) from sidecars'.
        ...(o.gateway ? [{ tag_name: 'switchyard_gateway', fixed_value: o.service }] : []),
      ],
    },
  };
}

/** A listener that forwards exactly GET /stats/prometheus to the admin API, and nothing else. */
function prometheusListener(port: number): { [key: string]: JsonValue } {
  return {
    name: PROMETHEUS_LISTENER_NAME,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: PROMETHEUS_LISTENER_NAME,
              route_config: {
                name: PROMETHEUS_LISTENER_NAME,
                virtual_hosts: [
                  {
                    name: PROMETHEUS_LISTENER_NAME,
                    domains: ['*'],
                    routes: [
                      {
                        match: { path: '/stats/prometheus', headers: [{ name: ':method', string_match: { exact: 'GET' } }] },
                        route: { cluster: ADMIN_CLUSTER_NAME },
                      },
                    ],
                  },
                ],
              },
              http_filters: [
                { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
              ],
            },
          },
        ],
      },
    ],
  };
}

function adminCluster(adminPort: number): { [key: string]: JsonValue } {
  return {
    name: ADMIN_CLUSTER_NAME,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: ADMIN_CLUSTER_NAME,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } } }] }],
    },
  };
}

/**
 * TLS to the control plane: its certificate must chain to the CA bundle and carry the control
 * plane's SPIFFE ID. With a cert dir (kept by `switchyard agent`), the client certificate and the
 * bundle come through file-based SDS, which Envoy re-reads when the agent renews them; with only
 * a CA file, the bundle is read once at start.
 */
function xdsTransportSocket(o: EnvoyBootstrapOptions, caFile: string): { [key: string]: JsonValue } {
  const sanMatch = { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { suffix: '/svc/switchyard-xds' } }] };
  const fromCertDir = o.certDir !== undefined && o.xdsCaFileFromCertDir === true;
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      // SNI must be a host name; a control plane dialled by IP is matched by its SPIFFE ID alone.
      ...(isIP(o.xdsHost) === 0 && { sni: o.xdsHost }),
      common_tls_context: {
        alpn_protocols: ['h2'],
        ...(o.certDir !== undefined && { tls_certificate_sds_secret_configs: [sdsFileSecretConfig(o.certDir, 'certificate')] }),
        ...(fromCertDir
          ? {
              combined_validation_context: {
                default_validation_context: sanMatch,
                validation_context_sds_secret_config: sdsFileSecretConfig(o.certDir!, 'trustBundle'),
              },
            }
          : { validation_context: { trusted_ca: { filename: caFile }, ...sanMatch } }),
      },
    },
  };
}
