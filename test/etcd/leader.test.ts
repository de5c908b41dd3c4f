// Exactly one replica does the leader's work (reaping lapsed TTL instances), and when it dies
// another takes over: two real replicas over one real etcd, told apart by their logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { adminJson, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';
import { grpcMesh, startReplica, uniquePrefix, writeMesh } from './replicas';

let etcd: EtcdCluster;
let replicas: ServeProcess[] = [];

function logged(replica: ServeProcess, message: string): boolean {
  return replica.logs.some((line) => line.includes(`"msg":"${message}"`));
}

async function healthOf(replica: ServeProcess, id: string): Promise<string | undefined> {
  const res = await adminJson(replica.adminUrl, 'GET', '/v1/services/catalog');
  return (res.body as { instances?: Array<{ id: string; health: string }> }).instances?.find((i) => i.id === id)?.health;
}

beforeAll(async () => {
  etcd = await startEtcd(1);
  const prefix = uniquePrefix();
  const mesh = writeMesh(grpcMesh());
  replicas = [await startReplica(etcd, prefix, ['--config', mesh]), await startReplica(etcd, prefix, ['--config', mesh])];
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await etcd?.close();
});

describe('the leader replica', () => {
  it('exactly one replica leads, and only it marks and removes a lapsed TTL instance', async () => {
    await eventually(() => replicas.some((r) => logged(r, 'this replica now leads')), 20_000, 'a leader');
    const leader = replicas.find((r) => logged(r, 'this replica now leads'))!;
    const follower = replicas.find((r) => r !== leader)!;
    expect(logged(follower, 'this replica now leads')).toBe(false);

    // Registered through the follower, never renewed: the leader's reaper must act on it.
    const put = await adminJson(follower.adminUrl, 'PUT', '/v1/services/catalog/instances/lapsing', { address: '127.0.0.1', port: 9000, ttl: '1s' });
    expect(put.status).toBe(200);
    await eventually(async () => (await healthOf(follower, 'lapsing')) === 'unhealthy', 15_000, 'marked unhealthy');
    await eventually(async () => (await healthOf(follower, 'lapsing')) === undefined, 15_000, 'removed');
    // The leader logs after its write commits, so the line may trail the follower seeing the write.
    await eventually(() => logged(leader, 'instance missed its ttl; unhealthy') && logged(leader, 'lapsed instance removed'), 10_000, "the leader's log lines");
    expect(logged(follower, 'instance missed its ttl; unhealthy')).toBe(false);
    expect(logged(follower, 'lapsed instance removed')).toBe(false);
  });

  it('when the leader is killed, the other replica takes over and reaps', async () => {
    const leader = replicas.find((r) => logged(r, 'this replica now leads'))!;
    const follower = replicas.find((r) => r !== leader)!;
    await leader.stop('SIGKILL');
    // Its leader key lives on a 5 s lease that nobody renews any more.
    await eventually(() => logged(follower, 'this replica now leads'), 20_000, 'the follower took over');
    expect(
      (await adminJson(follower.adminUrl, 'PUT', '/v1/services/catalog/instances/lapsing-2', { address: '127.0.0.1', port: 9001, ttl: '1s' })).status,
    ).toBe(200);
    await eventually(async () => (await healthOf(follower, 'lapsing-2')) === undefined, 15_000, 'removed by the new leader');
    await eventually(() => logged(follower, 'lapsed instance removed'), 10_000, "the new leader's log line");
  });
});
