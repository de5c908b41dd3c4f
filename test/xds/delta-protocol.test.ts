import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { TEST_NODE, decodeName, type DeltaClient } from '../support/ads-client';
import { cluster, endpoints, resourceSet } from '../support/resources';
import { eventually } from '../support/xds-harness';
import { harnessPerTest } from '../support/harness-per-test';
import type { DeltaDiscoveryResponse__Output } from '../../src/generated/envoy/service/discovery/v3/DeltaDiscoveryResponse';

const GROUP = TEST_NODE.cluster;
const env = harnessPerTest();
const connect = (): DeltaClient => env.delta();

function names(res: DeltaDiscoveryResponse__Output): string[] {
  return res.resources.map((r) => r.name).sort();
}

describe('incremental (delta) ADS', () => {
  it('a wildcard subscription gets every resource with its version, then only what changed', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a'), cluster('b')] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    const first = await c.inbox.next();
    expect(names(first)).toEqual(['a', 'b']);
    for (const r of first.resources) {
      expect(r.version).not.toBe('');
      expect(decodeName(r.resource!.type_url, r.resource!.value)).toBe(r.name);
    }
    expect(first.system_version_info).toBe(env.h.cache.getSnapshot(GROUP)!.version);
    c.ack(first);
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a'), cluster('b', 7), cluster('c')] }));
    const second = await c.inbox.next();
    expect(names(second)).toEqual(['b', 'c']);
    expect(second.removed_resources).toEqual([]);
  });

  it('removal is removed_resources, sent once the rest of the push is acknowledged', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a'), cluster('b')] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    c.ack(await c.inbox.next());
    await eventually(() => env.h.observer.acks.length === 1, 2000, 'ack');
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a', 3)] }));
    const update = await c.inbox.next();
    expect(names(update)).toEqual(['a']);
    expect(update.removed_resources).toEqual([]);
    expect(await c.inbox.quiet(200)).toBe(true);
    c.ack(update);
    const removal = await c.inbox.next();
    expect(removal.resources).toEqual([]);
    expect(removal.removed_resources).toEqual(['b']);
  });

  it('named subscribe and unsubscribe change what is sent mid-stream', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [1]), endpoints('b', [2])] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names_subscribe: ['a'] });
    const r1 = await c.inbox.next();
    expect(names(r1)).toEqual(['a']);
    c.send({ type_url: TypeUrl.ClusterLoadAssignment, response_nonce: r1.nonce, resource_names_subscribe: ['b'], resource_names_unsubscribe: ['a'] });
    const r2 = await c.inbox.next();
    expect(names(r2)).toEqual(['b']);
    expect(r2.removed_resources).toEqual([]);
    c.ack(r2);
    // "a" is no longer subscribed: its change is not sent.
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [5]), endpoints('b', [2])] }));
    expect(await c.inbox.quiet()).toBe(true);
  });

  it('on reconnect, initial_resource_versions means only what changed is sent, and what is gone is removed', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a'), cluster('b')] }));
    const c1 = connect();
    c1.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    const first = await c1.inbox.next();
    const held = Object.fromEntries(first.resources.map((r) => [r.name, r.version]));
    c1.close();

    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a'), cluster('c')] }));
    const c2 = connect();
    c2.send({ node: TEST_NODE, type_url: TypeUrl.Cluster, initial_resource_versions: { ...held, gone: 'v0' } });
    const update = await c2.inbox.next();
    expect(names(update)).toEqual(['c']);
    c2.ack(update);
    const removal = await c2.inbox.next();
    expect([...removal.removed_resources].sort()).toEqual(['b', 'gone']);
  });

  it('a NACK keeps the proxy on what it had, is recorded, and the rejected version is not offered again', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a')] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    const good = await c.inbox.next();
    c.ack(good);
    await eventually(() => env.h.observer.acks.length === 1, 2000, 'ack');
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a', 9)] }));
    const bad = await c.inbox.next();
    c.nack(bad, 'no thanks');
    await eventually(() => env.h.observer.nacks.length === 1, 2000, 'nack');
    expect(env.h.server.streams()[0]!.types[0]!.lastNack?.message).toBe('no thanks');
    const dump = env.h.server.streamsForNode(TEST_NODE.id)[0]!.sentResources().get(TypeUrl.Cluster)!;
    expect(dump.map((r) => r.version)).toEqual([good.resources[0]!.version]);
    // Republishing the rejected content offers nothing; a new change is offered.
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a', 8)] }));
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a', 9)] }));
    expect(await c.inbox.quiet(300)).toBe(true);
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a', 4)] }));
    const next = await c.inbox.next();
    expect(next.resources[0]!.version).not.toBe(bad.resources[0]!.version);
  });

  it('an ACK with an unknown nonce is counted as stale but its subscription change is honoured', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [1]), endpoints('b', [2])] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names_subscribe: ['a'] });
    await c.inbox.next();
    c.send({ type_url: TypeUrl.ClusterLoadAssignment, response_nonce: 'nope', resource_names_subscribe: ['b'] });
    expect(names(await c.inbox.next())).toEqual(['b']);
    expect(env.h.observer.rejected.some((r) => r.reason === 'stale_nonce')).toBe(true);
  });
});
