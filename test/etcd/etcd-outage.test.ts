// etcd trouble, with real processes: a three-member etcd cluster, two `switchyard serve`
// replicas over it, and a real grpc-js-xds client on replica B. Losing the raft leader is a
// non-event; losing all of etcd leaves both replicas serving their last state and refusing
// writes with a 503; when etcd returns, everything catches up and nothing registered is lost.
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEcho, startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { adminJson, type ServeProcess } from '../support/serve-process';
import { useXdsBootstrap, xdsClient } from '../support/xds-client';
import { eventually } from '../support/xds-harness';
import { grpcMesh, startReplica, uniquePrefix, writeMesh } from './replicas';

let etcd: EtcdCluster;
let a: ServeProcess;
let b: ServeProcess;
const backends: Record<string, EchoBackend> = {};
let catalog: grpc.Client | undefined;

function register(replica: ServeProcess, id: string, port: number): Promise<{ status: number; body: unknown }> {
  return adminJson(replica.adminUrl, 'PUT', `/v1/services/catalog/instances/${id}`, { address: '127.0.0.1', port });
}

async function ids(replica: ServeProcess): Promise<string[]> {
  const res = await adminJson(replica.adminUrl, 'GET', '/v1/services/catalog');
  return ((res.body as { instances?: Array<{ id: string }> }).instances ?? []).map((i) => i.id);
}

/**
 * The xDS streams `nodeId` holds on a replica, from /v1/proxies: a stream's id is new for each
 * stream, so the same id later means the proxy was never cut off and reconnected.
 */
async function streamsOf(replica: ServeProcess, nodeId: string): Promise<Array<{ id: number; connectedAt: string }>> {
  const res = await adminJson(replica.adminUrl, 'GET', '/v1/proxies');
  const proxies = (res.body as { proxies: Array<{ id: number; nodeId?: string; connectedAt: string }> }).proxies;
  return proxies.filter((p) => p.nodeId === nodeId).map((p) => ({ id: p.id, connectedAt: p.connectedAt }));
}

/** Every backend the client reaches over `n` calls. */
async function reached(n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(await callEcho(catalog!));
  return seen;
}

beforeAll(async () => {
  etcd = await startEtcd(3);
  const prefix = uniquePrefix();
  const mesh = writeMesh(grpcMesh());
  a = await startReplica(etcd, prefix, ['--config', mesh]);
  b = await startReplica(etcd, prefix, ['--config', mesh]);
  for (const name of ['one', 'two', 'three']) backends[name] = await startEchoBackend(name);
  expect((await register(a, 'one', backends.one!.port)).status).toBe(200);
  useXdsBootstrap(b.xdsAddress, { id: 'frontend-1', cluster: 'frontend' });
  catalog = xdsClient('xds:///catalog');
  expect(await callEcho(catalog, 20_000)).toBe('one');
});

afterAll(async () => {
  catalog?.close();
  await Promise.all(Object.values(backends).map((backend) => backend.stop()));
  await Promise.all([a?.stop(), b?.stop()]);
  await etcd?.close();
});

describe('replicas through etcd trouble', () => {
  it('stopping the etcd leader member: the registry keeps working', async () => {
    await etcd.stopMember(await etcd.leaderIndex());
    expect((await register(b, 'two', backends.two!.port)).status).toBe(200);
    await eventually(async () => (await ids(a)).includes('two'), 20_000, 'A saw the registration made through B');
    await eventually(async () => (await reached(20)).has('two'), 20_000, 'the client on B uses the new instance');
    expect((await adminJson(a.adminUrl, 'GET', '/readyz')).status).toBe(200);
  });

  it('stopping all of etcd: replicas keep serving, writes get 503, /readyz is not ready for writes', async () => {
    const streamBefore = await streamsOf(b, 'frontend-1');
    expect(streamBefore).toHaveLength(1);
    await etcd.stopAll();
    for (const replica of [a, b]) {
      expect(await ids(replica)).toEqual(['one', 'two']);
      const refused = await register(replica, 'three', backends.three!.port);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'unavailable', field: null } });
      expect((refused.body as { error: { message: string } }).error.message).toMatch(/etcd is unreachable/);
      expect((await adminJson(replica.adminUrl, 'DELETE', '/v1/services/catalog/instances/one')).status).toBe(503);
      const ready = await adminJson(replica.adminUrl, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      const checks = (ready.body as { checks: Array<{ name: string; ready: boolean }> }).checks;
      expect(checks.find((c) => c.name === 'registry-writes')).toMatchObject({ ready: false });
      expect(checks.filter((c) => !c.ready).map((c) => c.name)).toEqual(['registry-writes']);
    }
    // xDS keeps serving the last known state: the client on B still reaches both instances,
    // over the stream it had before the outage. (grpc-js-xds keeps its resources when a stream
    // drops, so the calls alone would succeed even if B had closed every stream.)
    expect(await reached(30)).toEqual(new Set(['one', 'two']));
    expect(await streamsOf(b, 'frontend-1')).toEqual(streamBefore);
  });

  it('restarting etcd: everything catches up and nothing registered was lost', async () => {
    await etcd.startAll();
    await eventually(async () => (await register(a, 'three', backends.three!.port)).status === 200, 30_000, 'writes accepted again');
    for (const replica of [a, b]) {
      await eventually(async () => (await ids(replica)).join() === 'one,three,two', 20_000, 'all three instances listed');
      await eventually(async () => (await adminJson(replica.adminUrl, 'GET', '/readyz')).status === 200, 20_000, 'ready again');
    }
    await eventually(async () => (await reached(30)).has('three'), 20_000, 'the client on B uses the instance registered after the outage');
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
  });
});
