import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { TEST_NODE, resourceNames, sotwClient } from '../support/ads-client';
import { cluster, resourceSet } from '../support/resources';
import { eventually, startHarness, type Harness } from '../support/xds-harness';
import { SnapshotCache } from '../../src/xds/snapshot-cache';
import { XdsServer } from '../../src/xds/server';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

describe('bad input never crashes the server or leaks a stream', () => {
  it('a first request without a node ends the stream with INVALID_ARGUMENT', async () => {
    const c = sotwClient(h.address);
    c.send({ type_url: TypeUrl.Cluster });
    const end = (await c.inbox.waitEnd()) as grpc.StatusObject;
    expect(end.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(h.observer.rejected.map((r) => r.reason)).toContain('no_node');
    await eventually(() => h.server.streamCount === 0, 2000, 'stream released');
    c.close();
  });

  it('an unknown type URL is logged and counted once, and the stream keeps serving known types', async () => {
    h.cache.setSnapshot(TEST_NODE.cluster, resourceSet({ [TypeUrl.Cluster]: [cluster('a')] }));
    const c = sotwClient(h.address);
    c.send({ node: TEST_NODE, type_url: 'type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration' });
    c.send({ type_url: 'type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration' });
    c.send({ type_url: TypeUrl.Cluster });
    expect(resourceNames(await c.inbox.next())).toEqual(['a']);
    expect(h.observer.rejected.filter((r) => r.reason === 'unknown_type')).toHaveLength(1);
    c.close();
  });

  it('malformed request bytes end that stream with INVALID_ARGUMENT; other streams carry on', async () => {
    h.cache.setSnapshot(TEST_NODE.cluster, resourceSet({ [TypeUrl.Cluster]: [cluster('a')] }));
    const healthy = sotwClient(h.address);
    healthy.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    await healthy.inbox.next();

    const raw = new grpc.Client(h.address, grpc.credentials.createInsecure());
    const call = raw.makeBidiStreamRequest(
      '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => undefined);
    call.on('data', () => undefined);
    call.write(Buffer.from([0x7f, 0x00])); // field 15 with wire type 7, which does not exist
    expect((await status).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(h.observer.rejected.map((r) => r.reason)).toContain('malformed');
    raw.close();

    h.cache.setSnapshot(TEST_NODE.cluster, resourceSet({ [TypeUrl.Cluster]: [cluster('a'), cluster('b')] }));
    expect(resourceNames(await healthy.inbox.next())).toEqual(['a', 'b']);
    healthy.close();
  });

  it('a client that disconnects mid-push is released and stops receiving work', async () => {
    const big = Array.from({ length: 300 }, (_, i) => cluster(`c${i}`));
    h.cache.setSnapshot(TEST_NODE.cluster, resourceSet({ [TypeUrl.Cluster]: big }));
    const c = sotwClient(h.address);
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    await eventually(() => h.server.streamCount === 1, 2000, 'stream open');
    c.close();
    for (let i = 0; i < 5; i++) h.cache.setSnapshot(TEST_NODE.cluster, resourceSet({ [TypeUrl.Cluster]: big.slice(i) }));
    await eventually(() => h.server.streamCount === 0, 3000, 'stream released');
    expect(h.observer.closed).toHaveLength(1);
    expect(h.cache.watchedGroups()).toEqual([]);
  });

  it('a refused node gets the resolver status (e.g. PERMISSION_DENIED) and nothing else', async () => {
    await h.stop();
    const cache = new SnapshotCache();
    cache.setSnapshot('secret-group', resourceSet({ [TypeUrl.Cluster]: [cluster('a')] }));
    const server = new XdsServer({ cache, resolveGroup: () => ({ error: { code: grpc.status.PERMISSION_DENIED, message: 'bad token' } }) });
    const port = await server.listen('127.0.0.1:0');
    const c = sotwClient(`127.0.0.1:${port}`);
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    const end = (await c.inbox.waitEnd()) as grpc.StatusObject;
    expect(end.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(end.details).toBe('bad token');
    expect(c.inbox.count).toBe(0);
    c.close();
    await server.shutdown(500);
    h = await startHarness();
  });
});
