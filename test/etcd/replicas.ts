// Helpers for tests that run several real `switchyard serve` replicas over one real etcd.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServe, tempDir, type ServeProcess } from '../support/serve-process';
import type { EtcdCluster } from '../support/etcd-cluster';

/** A grpc mesh with no mTLS: frontend may call catalog (subsets v1/v2, 100% v1 by default). */
export function grpcMesh(): string {
  return `mesh:
  trustDomain: switchyard.local
  mtls: disabled
  defaultPolicy: deny
services:
  - name: frontend
    protocol: grpc
    port: 8080
  - name: catalog
    protocol: grpc
    port: 8080
    allow: [ frontend ]
`;
}

/**
 * A mesh where every service may call every other: http services on port 8080, each optionally
 * with one static endpoint (an address, port 8080).
 */
export function openHttpMesh(services: Record<string, string | undefined>, mtls: 'disabled' | 'strict' = 'disabled'): string {
  const lines = ['mesh:', '  trustDomain: switchyard.local', `  mtls: ${mtls}`, '  defaultPolicy: allow', 'services:'];
  for (const [name, endpoint] of Object.entries(services)) {
    lines.push(`  - name: ${name}`, '    protocol: http', '    port: 8080');
    if (endpoint) lines.push('    endpoints:', `      - { address: ${endpoint}, port: 8080 }`);
  }
  return `${lines.join('\n')}\n`;
}

export function writeMesh(content: string): string {
  const file = path.join(tempDir('switchyard-mesh-'), 'mesh.yaml');
  fs.writeFileSync(file, content);
  return file;
}

/** A prefix of its own, so test files sharing nothing still never see each other's keys. */
export function uniquePrefix(): string {
  return `/switchyard-test-${randomBytes(4).toString('hex')}/`;
}

/** The operator's key that seals the shared CA and token keys in etcd (fixed for tests). */
export const TEST_CA_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

export function startReplica(etcd: EtcdCluster, prefix: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  return startServe(['--registry', 'etcd', '--etcd-endpoints', etcd.endpointsFlag, '--etcd-prefix', prefix, '--debounce', '20ms', ...args], {
    env: { SWITCHYARD_CA_ENCRYPTION_KEY: TEST_CA_ENCRYPTION_KEY, ...env },
  });
}
