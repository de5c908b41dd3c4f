// Hand-built, valid Envoy resources in proto-loader shape. Each test copies one and breaks a
// single thing, so a failure names exactly one rule.
import { packAny } from '../../src/proto/codec';

export const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER = 'envoy.extensions.filters.http.router.v3.Router';
export const UPSTREAM_TLS = 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
export const HTTP_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

const ADS = { ads: {}, resource_api_version: 'V3' };

export function edsCluster(): Record<string, unknown> {
  return {
    name: 'backend',
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS, service_name: 'backend' },
    connect_timeout: { seconds: 5, nanos: 0 },
    lb_policy: 'ROUND_ROBIN',
    circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_connections: { value: 1024 }, max_requests: { value: 1024 } }] },
    outlier_detection: { consecutive_5xx: { value: 5 }, interval: { seconds: 10 }, base_ejection_time: { seconds: 30 }, max_ejection_percent: { value: 50 } },
    typed_extension_protocol_options: {
      [HTTP_OPTIONS]: packAny(HTTP_OPTIONS, { explicit_http_config: { http2_protocol_options: {} } }),
    },
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: packAny(UPSTREAM_TLS, {
        sni: 'backend.mesh.local',
        common_tls_context: {
          tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: ADS }],
          validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: ADS },
        },
      }),
    },
  };
}

export function routeConfig(): Record<string, unknown> {
  return {
    name: 'inbound',
    virtual_hosts: [
      {
        name: 'backend',
        domains: ['backend', 'backend.mesh.local:8080'],
        routes: [
          {
            match: { prefix: '/split' },
            route: {
              weighted_clusters: {
                clusters: [
                  { name: 'v1', weight: { value: 90 } },
                  { name: 'v2', weight: { value: 10 } },
                ],
              },
            },
          },
          { match: { prefix: '/' }, route: { cluster: 'backend', timeout: { seconds: 15 } } },
        ],
      },
    ],
  };
}

export function hcm(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    stat_prefix: 'inbound_http',
    codec_type: 'AUTO',
    route_config: routeConfig(),
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: packAny(ROUTER, {}) }],
    ...overrides,
  };
}

export function listener(hcmConfig: Record<string, unknown> = hcm()): Record<string, unknown> {
  return {
    name: 'inbound_0.0.0.0_8080',
    address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: packAny(HCM, hcmConfig) }] }],
  };
}

export function loadAssignment(): Record<string, unknown> {
  return {
    cluster_name: 'backend',
    endpoints: [
      {
        locality: { region: 'eu', zone: 'eu-1a' },
        lb_endpoints: [
          {
            endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 8080 } } },
            health_status: 'HEALTHY',
            load_balancing_weight: { value: 1 },
          },
          { endpoint: { address: { socket_address: { address: '10.0.0.2', port_value: 8080 } } }, health_status: 'HEALTHY' },
        ],
      },
    ],
    policy: { overprovisioning_factor: { value: 140 } },
  };
}

export function tlsSecret(): Record<string, unknown> {
  return {
    name: 'default',
    tls_certificate: {
      certificate_chain: { inline_string: '-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n' },
      private_key: { inline_string: '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n' },
    },
  };
}

/** A small Envoy bootstrap as proto3 JSON: ADS over gRPC to a static cluster. */
export function bootstrapJson(): Record<string, unknown> {
  return {
    node: {
      id: 'sidecar~10.0.0.1~backend-1.default~default.svc',
      cluster: 'backend',
      metadata: { mesh: 'shop', replicas: 3, canary: false, tags: ['a', null] },
    },
    admin: { address: { socketAddress: { address: '127.0.0.1', portValue: 9901 } } },
    dynamicResources: {
      adsConfig: { apiType: 'GRPC', transportApiVersion: 'V3', grpcServices: [{ envoyGrpc: { clusterName: 'xds_cluster' } }] },
      cdsConfig: { ads: {}, resourceApiVersion: 'V3' },
      ldsConfig: { ads: {}, resourceApiVersion: 'V3' },
    },
    staticResources: {
      clusters: [
        {
          name: 'xds_cluster',
          type: 'STRICT_DNS',
          connectTimeout: '1.5s',
          typedExtensionProtocolOptions: {
            [HTTP_OPTIONS]: {
              '@type': `type.googleapis.com/${HTTP_OPTIONS}`,
              explicitHttpConfig: { http2ProtocolOptions: { connectionKeepalive: { interval: '30s', timeout: '5s' } } },
            },
          },
          loadAssignment: {
            clusterName: 'xds_cluster',
            endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 'switchyard.mesh', portValue: 18000 } } } }] }],
          },
        },
      ],
    },
  };
}
