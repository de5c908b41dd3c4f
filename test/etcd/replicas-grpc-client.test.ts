// Two real `switchyard serve` replicas over one real etcd: a registration made through
// replica A reaches a real @grpc/grpc-js-xds client connected to replica B.
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEcho, startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { execFile } from 'node:child_process';
import { adminJson, BIN, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { useXdsBootstrap, xdsClient } from '../support/xds-client';
import { eventually } from '../support/xds-harness';
import { grpcMesh, startReplica, TEST_CA_ENCRYPTION_KEY, uniquePrefix, writeMesh } from './replicas';

let etcd: EtcdCluster;
let a: ServeProcess;
let b: ServeProcess;
const backends: EchoBackend[] = [];
let catalog: grpc.Client | undefined;

beforeAll(async () => {
  etcd = await startEtcd(1);
  const prefix = uniquePrefix();
  const mesh = writeMesh(grpcMesh());
  a = await startReplica(etcd, prefix, ['--config', mesh]);
  // B is configured through the environment instead of flags.
  b = await startServe(['--config', mesh, '--debounce', '20ms'], {
    env: {
      SWITCHYARD_REGISTRY: 'etcd',
      SWITCHYARD_ETCD_ENDPOINTS: etcd.endpointsFlag,
      SWITCHYARD_ETCD_PREFIX: prefix,
      SWITCHYARD_CA_ENCRYPTION_KEY: TEST_CA_ENCRYPTION_KEY,
    },
  });
});

afterAll(async () => {
  catalog?.close();
  await Promise.all(backends.map((backend) => backend.stop()));
  await Promise.all([a?.stop(), b?.stop()]);
  await etcd?.close();
});

describe('two replicas over etcd', () => {
  it('an endpoint registered through replica A is picked up by a grpc-js-xds client on replica B', async () => {
    const v1 = await startEchoBackend('v1');
    backends.push(v1);
    const put = await adminJson(a.adminUrl, 'PUT', '/v1/services/catalog/instances/catalog-1', { address: '127.0.0.1', port: v1.port });
    expect(put.status).toBe(200);

    useXdsBootstrap(b.xdsAddress, { id: 'frontend-1', cluster: 'frontend' });
    catalog = xdsClient('xds:///catalog');
    expect(await callEcho(catalog, 20_000)).toBe('v1');

    // A second instance, registered through A while the client is connected to B, is used too.
    const v2 = await startEchoBackend('v2');
    backends.push(v2);
    expect((await adminJson(a.adminUrl, 'PUT', '/v1/services/catalog/instances/catalog-2', { address: '127.0.0.1', port: v2.port })).status).toBe(200);
    await eventually(async () => (await callEcho(catalog!)) === 'v2', 20_000, 'the client reached catalog-2');
  });

  it('both replicas list the same instances at the same revision, and are ready for writes', async () => {
    await eventually(
      async () => {
        const [fromA, fromB] = await Promise.all([adminJson(a.adminUrl, 'GET', '/v1/services/catalog'), adminJson(b.adminUrl, 'GET', '/v1/services/catalog')]);
        // renewedAt is when each replica last saw the instance renewed, a local fact.
        const comparable = (body: unknown) => JSON.stringify(body).replace(/"renewedAt":"[^"]*"/g, '');
        return comparable(fromA.body) === comparable(fromB.body);
      },
      10_000,
      'same listing on both replicas',
    );
    const listing = (await adminJson(b.adminUrl, 'GET', '/v1/services/catalog')).body as { revision: number; instances: Array<{ id: string }> };
    expect(listing.instances.map((i) => i.id)).toEqual(['catalog-1', 'catalog-2']);
    for (const replica of [a, b]) {
      const ready = await adminJson(replica.adminUrl, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(JSON.stringify(ready.body)).toContain('registry-writes');
    }
  });

  it('a deregistration through B reaches A', async () => {
    expect((await adminJson(b.adminUrl, 'DELETE', '/v1/services/catalog/instances/catalog-2')).status).toBe(204);
    await eventually(
      async () => {
        const res = await adminJson(a.adminUrl, 'GET', '/v1/services/catalog');
        return !JSON.stringify(res.body).includes('catalog-2');
      },
      10_000,
      'A saw the deregistration',
    );
  });

  it('--registry etcd without endpoints, or a bad endpoint, is a usage error (exit 2) naming the flag', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [BIN, 'serve', '--data-dir', tempDir(), ...args],
          { env: { ...process.env, SWITCHYARD_ETCD_ENDPOINTS: '' } },
          (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
        );
      });
    const missing = await run(['--registry', 'etcd']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--etcd-endpoints');
    const bad = await run(['--registry', 'etcd', '--etcd-endpoints', 'localhost:2379']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--etcd-endpoints');
    const kind = await run(['--registry', 'consul']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('--registry');
  });
});
