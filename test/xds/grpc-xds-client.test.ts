// The real @grpc/grpc-js-xds client resolves xds:///echo through our server to real backends.
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { apiListener, cluster, endpoints, resourceSet, weightedRoute } from '../support/resources';
import { callEcho, countCalls, startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { useXdsBootstrap, xdsClient } from '../support/xds-client';
import { eventually, startHarness, type Harness } from '../support/xds-harness';

let h: Harness;
let backends: EchoBackend[] = [];
let client: grpc.Client;

function publish(weights: Record<string, number>, ports: Record<string, number[]>): void {
  h.cache.setSnapshot(
    'shop-client',
    resourceSet({
      [TypeUrl.Listener]: [apiListener('echo', 'echo-routes')],
      [TypeUrl.RouteConfiguration]: [weightedRoute('echo-routes', weights)],
      [TypeUrl.Cluster]: Object.keys(ports).map((c) => cluster(c)),
      [TypeUrl.ClusterLoadAssignment]: Object.entries(ports).map(([c, p]) => endpoints(c, p)),
    }),
  );
}

beforeAll(async () => {
  h = await startHarness();
  backends = await Promise.all(['a1', 'a2', 'b1'].map(startEchoBackend));
  useXdsBootstrap(h.address, { id: 'echo-client-1', cluster: 'shop-client' });
});
afterAll(async () => {
  client?.close();
  await Promise.all(backends.map((b) => b.stop()));
  await h.stop();
});

describe('@grpc/grpc-js-xds against Switchyard', () => {
  it('follows a weighted split, then endpoint changes, on one xDS stream', async () => {
    const [a1, a2, b1] = backends as [EchoBackend, EchoBackend, EchoBackend];
    publish({ 'echo-a': 80, 'echo-b': 20 }, { 'echo-a': [a1.port], 'echo-b': [b1.port] });
    client = xdsClient('xds:///echo');
    await callEcho(client, 15_000);

    const N = 1000;
    const split = await countCalls(client, N);
    const shareA = (split.a1 ?? 0) / N;
    // 80/20 with 1000 calls: a 4-sigma band is about ±0.05.
    expect(shareA).toBeGreaterThan(0.74);
    expect(shareA).toBeLessThan(0.86);
    expect((split.a1 ?? 0) + (split.b1 ?? 0)).toBe(N);

    // The client ACKed every type it asked for.
    await eventually(
      () => {
        const types = h.server.streams()[0]?.types ?? [];
        return types.length === 4 && types.every((t) => t.ackedVersion === t.sentVersion && !t.pendingAck);
      },
      5000,
      'client acked all four types',
    );

    // An endpoint added to echo-a: calls reach it.
    publish({ 'echo-a': 100 }, { 'echo-a': [a1.port, a2.port], 'echo-b': [b1.port] });
    await eventually(async () => (await countCalls(client, 20)).a2 !== undefined, 10_000, 'a2 receives calls');
    const both = await countCalls(client, 200);
    expect(both.b1).toBeUndefined();
    expect(both.a1).toBeGreaterThan(50);
    expect(both.a2).toBeGreaterThan(50);

    // One removed: it gets no more calls.
    publish({ 'echo-a': 100 }, { 'echo-a': [a2.port], 'echo-b': [b1.port] });
    await eventually(async () => (await countCalls(client, 20)).a1 === undefined, 10_000, 'a1 drained');
    const after = await countCalls(client, 100);
    expect(after).toEqual({ a2: 100 });

    // All of it over the one stream the client opened at the start.
    expect(h.observer.opened).toHaveLength(1);
    expect(h.observer.nacks).toEqual([]);
  });
});
