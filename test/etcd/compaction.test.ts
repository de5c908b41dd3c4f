// A replica cut off from etcd while the others carry on and etcd compacts away the history it
// missed: its watches cannot resume from where they were, so it must read the state afresh
// (registry, shared mesh, token revocations) and follow again, without restarting.
import { randomBytes } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd } from '../../src/etcd/client';
import { etcdKeys } from '../../src/etcd/keys';
import { startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { adminJson, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';
import { openHttpMesh, startReplica, uniquePrefix } from './replicas';

function mesh(address: string): string {
  return openHttpMesh({ frontend: undefined, catalog: undefined, orders: address });
}

let etcd: EtcdCluster;
let others: Etcd3;
let prefix: string;
let isolated: ServeProcess;
let connected: ServeProcess;

async function ids(replica: ServeProcess, service: string): Promise<string[]> {
  const res = await adminJson(replica.adminUrl, 'GET', `/v1/services/${service}`);
  return ((res.body as { instances?: Array<{ id: string; address: string }> }).instances ?? []).map((i) => `${i.id}@${i.address}`);
}

async function certificateStatus(replica: ServeProcess, token: string): Promise<number> {
  return (
    await fetch(`${replica.adminUrl}/v1/certificates`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } })
  ).status;
}

beforeAll(async () => {
  etcd = await startEtcd(3);
  prefix = uniquePrefix();
  others = connectEtcd({ endpoints: etcd.endpoints.slice(1) });
  await others.put(etcdKeys(prefix).meshConfig).value(mesh('10.0.0.1')).exec();
  // One replica talks to member 0 only, the other to members 1 and 2.
  // (A later --etcd-endpoints wins over the one startReplica passes.)
  isolated = await startReplica(etcd, prefix, ['--etcd-endpoints', etcd.endpoints[0]!]);
  connected = await startReplica(etcd, prefix, ['--etcd-endpoints', etcd.endpoints.slice(1).join(',')]);
}, 60_000);

afterAll(async () => {
  await Promise.all([isolated?.stop(), connected?.stop()]);
  others?.close();
  await etcd?.close();
});

describe('catching up after compacted history', () => {
  it('a replica whose watches were compacted away re-reads everything and follows again', async () => {
    const token = (await adminJson(isolated.adminUrl, 'POST', '/v1/tokens', { service: 'frontend' })).body as { token: string; id: string };
    expect(await certificateStatus(isolated, token.token)).toBe(200);
    expect((await adminJson(isolated.adminUrl, 'PUT', '/v1/services/catalog/instances/before', { address: '10.1.0.1', port: 8080 })).status).toBe(200);

    await etcd.stopMember(0);
    // Meanwhile, through the rest of the cluster: a registration, a deregistration, a new mesh,
    // a revocation; then history is compacted up to now.
    expect((await adminJson(connected.adminUrl, 'PUT', '/v1/services/catalog/instances/during', { address: '10.1.0.2', port: 8080 })).status).toBe(200);
    expect((await adminJson(connected.adminUrl, 'DELETE', '/v1/services/catalog/instances/before')).status).toBe(204);
    await others.put(etcdKeys(prefix).meshConfig).value(mesh('10.0.0.2')).exec();
    expect((await adminJson(connected.adminUrl, 'DELETE', `/v1/tokens/${token.id}`)).status).toBe(204);
    for (let i = 0; i < 20; i++)
      await others
        .put(`/unrelated-${randomBytes(2).toString('hex')}`)
        .value('x')
        .exec();
    const now = (await others.get('/anything').exec()).header.revision;
    await others.kv.compact({ revision: now, physical: true });
    // While it is cut off, the isolated replica still serves what it knew.
    expect(await ids(isolated, 'catalog')).toEqual(['before@10.1.0.1']);

    await etcd.startMember(0);
    await eventually(async () => (await ids(isolated, 'catalog')).join() === 'during@10.1.0.2', 30_000, 'registry caught up');
    await eventually(async () => (await ids(isolated, 'orders'))[0]?.endsWith('@10.0.0.2') === true, 30_000, 'mesh caught up');
    await eventually(async () => (await certificateStatus(isolated, token.token)) === 403, 30_000, 'revocation caught up');
    // The watches really were lost to compaction (not merely resumed): the registry's, the
    // mesh's and the CA's each read their state afresh.
    expect(isolated.logs.filter((l) => l.includes('reading the registry again'))).not.toHaveLength(0);
    expect(isolated.logs.filter((l) => l.includes('reading the state again')).length).toBeGreaterThanOrEqual(2);
    expect(isolated.child.exitCode).toBeNull();
  });
});
