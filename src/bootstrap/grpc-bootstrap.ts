// The GRPC_XDS_BOOTSTRAP file for proxyless gRPC clients and servers (gRFC A27, A36 for xDS
// servers; A29 certificate providers are added when the CA is wired in).

export interface GrpcBootstrapOptions {
  readonly xdsHost: string;
  readonly xdsPort: number;
  readonly nodeId: string;
  /** node.cluster: the service this process is part of (its identity for policy). */
  readonly service?: string;
}

export interface GrpcBootstrap {
  xds_servers: Array<{ server_uri: string; channel_creds: Array<{ type: string }>; server_features: string[] }>;
  node: { id: string; cluster: string; locality: Record<string, never> };
  server_listener_resource_name_template: string;
}

export function buildGrpcBootstrap(o: GrpcBootstrapOptions): GrpcBootstrap {
  const host = o.xdsHost.includes(':') ? `[${o.xdsHost}]` : o.xdsHost;
  return {
    xds_servers: [{ server_uri: `${host}:${o.xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: o.nodeId, cluster: o.service ?? '', locality: {} },
    // xDS-enabled gRPC servers ask for a listener named after the address they listen on.
    server_listener_resource_name_template: 'grpc/server?xds.resource.listening_address=%s',
  };
}
