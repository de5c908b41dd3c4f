// The shared mesh file: `switchyard config push` validates like `switchyard validate` and
// stores only a valid file in etcd; replicas with --registry etcd and no --config load it and
// hot-reload every push, and content that is invalid never replaces the last valid one.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd } from '../../src/etcd/client';
import { etcdKeys } from '../../src/etcd/keys';
import { startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { adminJson, BIN, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';
import { openHttpMesh, startReplica, uniquePrefix, writeMesh } from './replicas';

function mesh(staticAddress: string): string {
  return openHttpMesh({ frontend: undefined, catalog: staticAddress });
}

let etcd: EtcdCluster;
let client: Etcd3;
let prefix: string;
const replicas: ServeProcess[] = [];

function push(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'config', 'push', file, '--etcd-prefix', prefix],
      { env: { ...process.env, SWITCHYARD_ETCD_ENDPOINTS: etcd.endpointsFlag } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function staticAddress(replica: ServeProcess): Promise<string | undefined> {
  const res = await adminJson(replica.adminUrl, 'GET', '/v1/services/catalog');
  return (res.body as { instances?: Array<{ address: string }> }).instances?.[0]?.address;
}

beforeAll(async () => {
  etcd = await startEtcd(1);
  client = connectEtcd({ endpoints: etcd.endpoints });
  prefix = uniquePrefix();
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  client?.close();
  await etcd?.close();
});

describe('switchyard config push and replicas that follow it', () => {
  it('an invalid file is refused with file:line:column, exit 2, and nothing stored', async () => {
    const bad = writeMesh(mesh('10.0.0.5').replace('port: 8080\n    endpoints', 'port: eighty\n    endpoints'));
    const result = await push(bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+`));
    expect(result.stderr).toContain('nothing was stored');
    expect(await client.get(etcdKeys(prefix).meshConfig).string()).toBeNull();
  });

  it('a valid file is stored; replicas started without --config serve it', async () => {
    const file = writeMesh(mesh('10.0.0.5'));
    const result = await push(file);
    expect(result.code).toBe(0);
    expect(await client.get(etcdKeys(prefix).meshConfig).string()).toBe(fs.readFileSync(file, 'utf8'));
    replicas.push(await startReplica(etcd, prefix, []), await startReplica(etcd, prefix, []));
    for (const replica of replicas) expect(await staticAddress(replica)).toBe('10.0.0.5');
  });

  it('a new push is hot-reloaded by every replica', async () => {
    expect((await push(writeMesh(mesh('10.0.0.6')))).code).toBe(0);
    for (const replica of replicas) await eventually(async () => (await staticAddress(replica)) === '10.0.0.6', 10_000, 'reloaded');
  });

  it('invalid content written past config push never replaces the last valid mesh; readyz says why', async () => {
    await client.put(etcdKeys(prefix).meshConfig).value(mesh('10.0.0.7').replace('defaultPolicy: allow', 'defaultPolicy: maybe')).exec();
    for (const replica of replicas) {
      await eventually(async () => (await adminJson(replica.adminUrl, 'GET', '/readyz')).status === 503, 10_000, 'readyz reports the bad mesh');
      const ready = await adminJson(replica.adminUrl, 'GET', '/readyz');
      expect(JSON.stringify(ready.body)).toMatch(/etcd:\/switchyard-test-[0-9a-f]+\/config\/mesh:\d+:\d+/);
      expect(await staticAddress(replica)).toBe('10.0.0.6');
    }
    expect((await push(writeMesh(mesh('10.0.0.8')))).code).toBe(0);
    for (const replica of replicas) {
      await eventually(async () => (await staticAddress(replica)) === '10.0.0.8', 10_000, 'reloaded after the fix');
      await eventually(async () => (await adminJson(replica.adminUrl, 'GET', '/readyz')).status === 200, 10_000, 'ready again');
    }
  });
});
