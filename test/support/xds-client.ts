// The real proxyless gRPC xDS client (@grpc/grpc-js-xds) pointed at a Switchyard server.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';

let registered = false;

/**
 * Writes a bootstrap and registers the xds: resolver. grpc-js-xds reads the bootstrap once per
 * process, so a test file uses one server address (vitest runs each file in its own process).
 */
export function useXdsBootstrap(serverAddress: string, node: { id: string; cluster: string }, extra: Record<string, unknown> = {}): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-xds-')), 'bootstrap.json');
  const bootstrap = {
    xds_servers: [{ server_uri: serverAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: node.id, cluster: node.cluster, locality: {} },
    ...extra,
  };
  fs.writeFileSync(file, JSON.stringify(bootstrap));
  process.env.GRPC_XDS_BOOTSTRAP = file;
  if (!registered) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('@grpc/grpc-js-xds') as { register(): void }).register();
    registered = true;
  }
  return file;
}

export function xdsClient(target: string): grpc.Client {
  return new grpc.Client(target, grpc.credentials.createInsecure());
}
