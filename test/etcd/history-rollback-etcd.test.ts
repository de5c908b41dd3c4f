// History and rollback when the mesh lives in etcd: the history is shared (one sequence of
// versions, each mesh push recorded once, an admin write on one replica listed by the other), and
// `switchyard rollback` on one replica pushes the past version to etcd, so every replica follows.
import { execFile, spawnSync } from 'node:child_process';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd } from '../../src/etcd/client';
import { etcdKeys } from '../../src/etcd/keys';
import type { HistoryEntry } from '../../src/history/history-store';
import { startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { adminJson, BIN, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';
import { openHttpMesh, startReplica, uniquePrefix, writeMesh } from './replicas';

let etcd: EtcdCluster;
let client: Etcd3;
let prefix: string;
const replicas: ServeProcess[] = [];

function push(file: string): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'config', 'push', file, '--etcd-prefix', prefix],
      { env: { ...process.env, SWITCHYARD_ETCD_ENDPOINTS: etcd.endpointsFlag } },
      (error) => resolve(error ? 1 : 0),
    );
  });
}

async function history(replica: ServeProcess): Promise<HistoryEntry[]> {
  return ((await adminJson(replica.adminUrl, 'GET', '/v1/history')).body as { entries: HistoryEntry[] }).entries;
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

describe('rollback with the mesh in etcd', () => {
  it('pushes the past mesh to etcd; both replicas apply it', async () => {
    const v1 = openHttpMesh({ frontend: undefined, catalog: '10.0.0.1' });
    const v2 = openHttpMesh({ frontend: undefined, catalog: '10.0.0.2' });
    expect(await push(writeMesh(v1))).toBe(0);
    replicas.push(await startReplica(etcd, prefix, []), await startReplica(etcd, prefix, []));
    const [a, b] = replicas as [ServeProcess, ServeProcess];
    const first = (await history(a)).find((e) => e.kind === 'mesh')!;
    expect(first.who).toBe('serve');
    // Both replicas started on the same mesh: one entry, shared.
    expect((await history(b)).filter((e) => e.kind === 'mesh')).toEqual([first]);
    expect(await push(writeMesh(v2))).toBe(0);
    await eventually(async () => (await history(a))[0]?.what === 'mesh pushed to etcd', 10_000, 'the push recorded');
    expect((await history(a))[0]!.who).toBe('etcd');
    // An admin write on b is in a's list (through etcd), and each push appears once.
    expect((await adminJson(b.adminUrl, 'PUT', '/v1/services/frontend/instances/f1', { address: '10.0.0.9', port: 15006 })).status).toBe(200);
    await eventually(
      async () => (await history(a)).some((e) => e.what === 'PUT /v1/services/frontend/instances/f1' && e.who === 'management'),
      10_000,
      "b's write listed by a",
    );
    await new Promise((r) => setTimeout(r, 500));
    const seen = await history(a);
    expect(seen.filter((e) => e.what === 'mesh pushed to etcd')).toHaveLength(1);
    expect(await history(b)).toEqual(seen);
    expect(new Set(seen.map((e) => e.version)).size).toBe(seen.length);

    const r = spawnSync(process.execPath, [BIN, 'rollback', String(first.version), '--admin-address', a.adminUrl.replace('http://', '')], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('pushed to etcd; every replica applies it from its watch');
    expect(await client.get(etcdKeys(prefix).meshConfig).string()).toBe(v1);
    for (const replica of [a, b]) {
      await eventually(
        async () => (await history(replica)).some((e) => e.what === `rollback to version ${first.version}` && e.who === 'management'),
        10_000,
        'the rollback recorded, on both',
      );
      // Recorded once: the replicas' watches found that mesh already current.
      expect((await history(replica)).filter((e) => e.kind === 'mesh').map((e) => e.what)).toEqual([
        `rollback to version ${first.version}`,
        'mesh pushed to etcd',
        `serve started with etcd:${prefix}config/mesh`,
      ]);
    }
    // The other replica followed etcd too: catalog's static endpoint is v1's again.
    for (const replica of [a, b]) {
      await eventually(
        async () => JSON.stringify((await adminJson(replica.adminUrl, 'GET', '/v1/services/catalog')).body).includes('10.0.0.1'),
        10_000,
        'the replica on v1',
      );
    }
  });
});
