import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import * as grpc from '@grpc/grpc-js';
import { TEST_NODE, cdsProto, resourceNames, type SotwClient } from '../support/ads-client';
import { cluster, endpoints, resourceSet, apiListener, weightedRoute } from '../support/resources';
import { eventually } from '../support/xds-harness';
import { harnessPerTest } from '../support/harness-per-test';

const GROUP = TEST_NODE.cluster;
const env = harnessPerTest();
const connect = (): SotwClient => env.sotw();

describe('State-of-the-World ADS', () => {
  it('sends nothing for a type before the client asks for it', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a')], [TypeUrl.Listener]: [apiListener('l', 'r')] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    const res = await c.inbox.next();
    expect(res.type_url).toBe(TypeUrl.Cluster);
    expect(resourceNames(res)).toEqual(['a']);
    c.ack(res);
    expect(await c.inbox.quiet()).toBe(true);
  });

  it('waits for a snapshot before answering, then answers', async () => {
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    expect(await c.inbox.quiet(200)).toBe(true);
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a')] }));
    expect(resourceNames(await c.inbox.next())).toEqual(['a']);
  });

  it('gives each response a version and nonce, records ACKs, and re-sends nothing unchanged', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a')] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    const first = await c.inbox.next();
    expect(first.version_info).not.toBe('');
    expect(first.nonce).not.toBe('');
    expect(first.control_plane?.identifier).toBe('switchyard');
    c.ack(first);
    await eventually(() => env.h.observer.acks.length === 1, 2000, 'ack');
    const status = env.h.server.streams()[0]!.types.find((t) => t.typeUrl === TypeUrl.Cluster)!;
    expect(status.ackedVersion).toBe(first.version_info);
    expect(status.pendingAck).toBe(false);

    // Republishing identical content keeps the version: nothing is pushed.
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a')] }));
    expect(await c.inbox.quiet()).toBe(true);

    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a', 2)] }));
    const second = await c.inbox.next();
    expect(second.version_info).not.toBe(first.version_info);
    expect(second.nonce).not.toBe(first.nonce);
  });

  it('versions are content hashes: the same content yields the same version on another stream', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a'), cluster('b')] }));
    const c1 = connect();
    const c2 = connect();
    c1.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    c2.send({ node: { ...TEST_NODE, id: 'node-2' }, type_url: TypeUrl.Cluster });
    const [r1, r2] = [await c1.inbox.next(), await c2.inbox.next()];
    expect(r1.version_info).toBe(r2.version_info);
  });

  it('a NACK leaves the proxy on its last good config, is recorded, and the rejected version is not re-sent', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a')] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    const good = await c.inbox.next();
    c.ack(good);
    await eventually(() => env.h.observer.acks.length === 1, 2000, 'ack');
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a', 5)] }));
    const bad = await c.inbox.next();
    c.nack(bad, 'cluster a: bad timeout');
    await eventually(() => env.h.observer.nacks.length === 1, 2000, 'nack');
    expect(env.h.observer.nacks[0]).toMatchObject({ typeUrl: TypeUrl.Cluster, version: bad.version_info, message: 'cluster a: bad timeout' });
    const status = env.h.server.streams()[0]!.types.find((t) => t.typeUrl === TypeUrl.Cluster)!;
    expect(status.lastNack?.message).toBe('cluster a: bad timeout');
    expect(status.ackedVersion).toBe(good.version_info);
    // The proxy holds the last good config, which is what config-dump shows.
    const held = env.h.server.streamsForNode(TEST_NODE.id)[0]!.sentResources().get(TypeUrl.Cluster)!;
    expect(held[0]!.version).not.toBe(env.h.cache.getSnapshot(GROUP)!.resources(TypeUrl.Cluster).get('a')!.version);

    // Same content again: no loop of re-sending the rejected version.
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a', 5)] }));
    expect(await c.inbox.quiet(400)).toBe(true);
    // A real change is pushed.
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a', 3)] }));
    const fixed = await c.inbox.next();
    expect(fixed.version_info).not.toBe(bad.version_info);
  });

  it('ignores a request with a stale nonce, including its resource names', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [1001]), endpoints('b', [1002])] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['a'] });
    const first = await c.inbox.next();
    expect(resourceNames(first)).toEqual(['a']);
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [1003]), endpoints('b', [1002])] }));
    const second = await c.inbox.next();
    // Answering the first (stale) nonce and asking for b must be ignored whole.
    c.send({ type_url: TypeUrl.ClusterLoadAssignment, version_info: first.version_info, response_nonce: first.nonce, resource_names: ['a', 'b'] });
    expect(await c.inbox.quiet()).toBe(true);
    expect(env.h.observer.rejected.some((r) => r.reason === 'stale_nonce')).toBe(true);
    // Answering the latest nonce with the new names is honoured: b is sent (a is held, unchanged;
    // EDS is incremental even in SotW) under a version covering both.
    c.send({ type_url: TypeUrl.ClusterLoadAssignment, version_info: second.version_info, response_nonce: second.nonce, resource_names: ['a', 'b'] });
    const third = await c.inbox.next();
    expect(resourceNames(third)).toEqual(['b']);
    expect(third.version_info).not.toBe(second.version_info);
  });

  it('LDS and CDS responses carry the full set; what is left out is removed', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a'), cluster('b')] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    const first = await c.inbox.next();
    expect(resourceNames(first)).toEqual(['a', 'b']);
    c.ack(first);
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a')] }));
    const second = await c.inbox.next();
    expect(resourceNames(second)).toEqual(['a']);
  });

  it('EDS answers only the names requested, and follows subscription changes mid-stream', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [1]), endpoints('b', [2]), endpoints('c', [3])] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['a'] });
    const r1 = await c.inbox.next();
    expect(resourceNames(r1)).toEqual(['a']);
    c.ack(r1, ['a', 'c']);
    const r2 = await c.inbox.next();
    // Only what the client does not hold: a is unchanged (xDS: in SotW only LDS and CDS are full-state).
    expect(resourceNames(r2)).toEqual(['c']);
    // Dropping a name needs no answer in SotW EDS.
    c.ack(r2, ['c']);
    expect(await c.inbox.quiet()).toBe(true);
    // A change to a resource the client no longer asks for is not pushed…
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [9]), endpoints('b', [2]), endpoints('c', [3])] }));
    expect(await c.inbox.quiet()).toBe(true);
    // …and a change to one it does ask for is, with only that name.
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [9]), endpoints('b', [2]), endpoints('c', [4])] }));
    const r3 = await c.inbox.next();
    expect(resourceNames(r3)).toEqual(['c']);
    // A name asked for again after being dropped is sent again, changed or not (xDS protocol).
    c.ack(r3, ['a', 'c']);
    expect(resourceNames(await c.inbox.next())).toEqual(['a']);
    c.ack(r3, ['c']);
  });

  it('follows subscription changes when the request names many resources (names kept as bytes)', async () => {
    const all = Array.from({ length: 24 }, (_, i) => `e${String(i).padStart(2, '0')}`);
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: all.map((n, i) => endpoints(n, [2000 + i])) }));
    const c = connect();
    const first = all.slice(0, 20);
    c.send({ node: TEST_NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names: first });
    const r1 = await c.inbox.next();
    expect(resourceNames(r1)).toEqual(first);
    c.ack(r1, first);
    expect(await c.inbox.quiet(200)).toBe(true); // the same 20 names again: nothing owed
    c.ack(r1, all);
    expect(resourceNames(await c.inbox.next())).toEqual(all.slice(20));
  });

  it('an EDS push after a change carries only the changed endpoint set, not every subscribed one', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [1]), endpoints('b', [2]), endpoints('c', [3])] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['a', 'b', 'c'] });
    const r1 = await c.inbox.next();
    expect(resourceNames(r1)).toEqual(['a', 'b', 'c']);
    c.ack(r1, ['a', 'b', 'c']);
    expect(await c.inbox.quiet(200)).toBe(true); // the ACK is in before the next change
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [1]), endpoints('b', [5]), endpoints('c', [3])] }));
    const r2 = await c.inbox.next();
    expect(resourceNames(r2)).toEqual(['b']);
    expect(r2.version_info).not.toBe(r1.version_info);
    // After a NACK the client holds what it ACKed; the next change is measured from there.
    c.nack(r2, 'rejected', ['a', 'b', 'c']);
    expect(await c.inbox.quiet(200)).toBe(true);
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [7]), endpoints('b', [5]), endpoints('c', [3])] }));
    expect(resourceNames(await c.inbox.next())).toEqual(['a', 'b']);
  });

  it('wildcard subscriptions get everything, named ones only their names; "*" restores wildcard', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Listener]: [apiListener('x', 'rx'), apiListener('y', 'ry')] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Listener, resource_names: ['x'] });
    const named = await c.inbox.next();
    expect(resourceNames(named)).toEqual(['x']);
    c.ack(named, ['*']);
    const wild = await c.inbox.next();
    expect(resourceNames(wild)).toEqual(['x', 'y']);
  });

  it('answers a named LDS request for a missing listener with an empty response (so gRPC knows it does not exist)', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Listener]: [apiListener('x', 'rx')] }));
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Listener, resource_names: ['missing'] });
    const res = await c.inbox.next();
    expect(res.resources).toEqual([]);
  });

  it('pushes make-before-break: new clusters first, old ones withdrawn only after the routes moved', async () => {
    env.h.cache.setSnapshot(
      GROUP,
      resourceSet({
        [TypeUrl.Cluster]: [cluster('old')],
        [TypeUrl.ClusterLoadAssignment]: [endpoints('old', [1])],
        [TypeUrl.RouteConfiguration]: [weightedRoute('r', { old: 100 })],
      }),
    );
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    const cds1 = await c.inbox.next();
    c.ack(cds1);
    c.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['old'] });
    c.ack(await c.inbox.next(), ['old']);
    c.send({ type_url: TypeUrl.RouteConfiguration, resource_names: ['r'] });
    const rds1 = await c.inbox.next();
    c.ack(rds1, ['r']);
    await eventually(() => env.h.observer.acks.length === 3, 2000, 'initial acks');

    env.h.cache.setSnapshot(
      GROUP,
      resourceSet({
        [TypeUrl.Cluster]: [cluster('new')],
        [TypeUrl.ClusterLoadAssignment]: [endpoints('new', [2])],
        [TypeUrl.RouteConfiguration]: [weightedRoute('r', { new: 100 })],
      }),
    );
    // 1. CDS first, holding both: the route still names "old".
    const cds2 = await c.inbox.next();
    expect(cds2.type_url).toBe(TypeUrl.Cluster);
    expect(resourceNames(cds2)).toEqual(['new', 'old']);
    // 2. Then the route moves to "new".
    const rds2 = await c.inbox.next();
    expect(rds2.type_url).toBe(TypeUrl.RouteConfiguration);
    // Until the proxy answers, "old" stays.
    expect(await c.inbox.quiet(200)).toBe(true);
    c.ack(cds2);
    c.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['new', 'old'], version_info: '', response_nonce: undefined });
    const eds2 = await c.inbox.next();
    expect(eds2.type_url).toBe(TypeUrl.ClusterLoadAssignment);
    c.ack(eds2, ['new', 'old']);
    c.ack(rds2, ['r']);
    // 3. Everything answered: now "old" is withdrawn.
    const cds3 = await c.inbox.next();
    expect(cds3.type_url).toBe(TypeUrl.Cluster);
    expect(resourceNames(cds3)).toEqual(['new']);
  });

  it('serves the per-type CDS service as well as ADS', async () => {
    env.h.cache.setSnapshot(GROUP, resourceSet({ [TypeUrl.Cluster]: [cluster('a')] }));
    const client = new (cdsProto().envoy.service.cluster.v3.ClusterDiscoveryService)(env.h.address, grpc.credentials.createInsecure());
    const call = client.StreamClusters();
    const got = new Promise<string[]>((resolve) => call.on('data', (r: Parameters<typeof resourceNames>[0]) => resolve(resourceNames(r))));
    call.on('error', () => undefined);
    call.write({ node: TEST_NODE });
    expect(await got).toEqual(['a']);
    expect(env.h.server.streams()[0]!.service).toBe('cds');
    call.cancel();
    client.close();
  });
});
