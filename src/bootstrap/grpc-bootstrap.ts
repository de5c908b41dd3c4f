import * as path from 'node:path';
import { GRPC_CERTIFICATE_PROVIDER_INSTANCE } from '../translate/mtls-contexts';
// The GRPC_XDS_BOOTSTRAP file for proxyless gRPC clients and servers (gRFC A27, A36 for xDS
// servers; A29 certificate providers are added when the CA is wired in).

export interface GrpcBootstrapOptions {
  readonly xdsHost: string;
  readonly xdsPort: number;
  readonly nodeId: string;
  /** node.cluster: the service this process is part of (its identity for policy). */
  readonly service?: string;
  /** Where `switchyard agent` keeps cert.pem, key.pem and ca.pem; declares the file_watcher provider. */
  readonly certDir?: string;
  /** node.locality: where this process runs; endpoints are prioritised relative to it. */
  readonly zone?: string;
  readonly region?: string;
}

export interface FileWatcherProvider {
  plugin_name: 'file_watcher';
  config: { certificate_file: string; private_key_file: string; ca_certificate_file: string; refresh_interval: string };
}

export interface GrpcBootstrap {
  xds_servers: Array<{ server_uri: string; channel_creds: Array<{ type: string }>; server_features: string[] }>;
  node: { id: string; cluster: string; locality: { zone?: string; region?: string } };
  server_listener_resource_name_template: string;
  certificate_providers?: Record<string, FileWatcherProvider>;
}

export function buildGrpcBootstrap(o: GrpcBootstrapOptions): GrpcBootstrap {
  const host = o.xdsHost.includes(':') ? `[${o.xdsHost}]` : o.xdsHost;
  return {
    xds_servers: [{ server_uri: `${host}:${o.xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: {
      id: o.nodeId,
      cluster: o.service ?? '',
      locality: { ...(o.region !== undefined && { region: o.region }), ...(o.zone !== undefined && { zone: o.zone }) },
    },
    // xDS-enabled gRPC servers ask for a listener named after the address they listen on.
    server_listener_resource_name_template: 'grpc/server?xds.resource.listening_address=%s',
    ...(o.certDir !== undefined && {
      certificate_providers: {
        // Translation names this instance in every TLS context it gives gRPC (gRFC A29).
        [GRPC_CERTIFICATE_PROVIDER_INSTANCE]: {
          plugin_name: 'file_watcher',
          config: {
            certificate_file: path.join(o.certDir, 'cert.pem'),
            private_key_file: path.join(o.certDir, 'key.pem'),
            ca_certificate_file: path.join(o.certDir, 'ca.pem'),
            // The agent renews at half life (12 h by default); a minute's lag is plenty.
            refresh_interval: '60s',
          },
        },
      },
    }),
  };
}
