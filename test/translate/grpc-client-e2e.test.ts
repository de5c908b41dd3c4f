// End to end with the real proxyless client: what translate produces for a gRPC client, served by
// Switchyard's xDS server, is accepted by @grpc/grpc-js-xds (no NACK) and steers real calls:
// header-matched canary routing, a weighted subset split, localities, and unhealthy instances
// left alone. Policies gRPC applies only in part (least_request, full circuit breaker,
// consecutive5xx, HTTP retry conditions) are present so their translation is exercised too.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshState } from '../../src/model';
import { proxyGroupKey, translateForProxy } from '../../src/translate/translate';
import { ECHO_METHOD, startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { useXdsBootstrap, xdsClient } from '../support/xds-client';
import { eventually, startHarness, type Harness } from '../support/xds-harness';
import { grpcClient, instance, meshState, service } from './support/mesh-fixtures';

let h: Harness;
let backends: Record<'a1' | 'a2' | 'b1', EchoBackend>;
let client: grpc.Client;
const proxy = grpcClient('shop-client');

function echoState(): MeshState {
  return meshState(
    [
      service('echo', {
        protocol: 'grpc',
        port: 50051,
        subsets: { v1: { version: 'v1' }, v2: { version: 'v2' } },
        routes: [
          { match: { pathPrefix: '/', headers: { 'x-canary': 'true' } }, destinations: [{ subset: 'v2', weight: 100 }] },
          {
            match: { pathPrefix: '/switchyard.test.Echo/' },
            destinations: [
              { subset: 'v1', weight: 80 },
              { subset: 'v2', weight: 20 },
            ],
            timeoutMs: 5000,
            retries: { attempts: 2, perTryTimeoutMs: 1000, retryOn: 'unavailable,5xx,connect-failure' },
          },
        ],
        trafficPolicy: {
          loadBalancer: 'least_request',
          circuitBreaker: { maxConnections: 5, maxRequests: 1000 },
          outlierDetection: {
            consecutive5xx: 5,
            intervalMs: 10_000,
            baseEjectionTimeMs: 30_000,
            maxEjectionPercent: 50,
            failurePercentage: { threshold: 90, minimumHosts: 5, requestVolume: 1000 },
          },
        },
      }),
    ],
    [
      instance('echo', 'a1', '127.0.0.1', backends.a1.port, { labels: { version: 'v1' }, zone: 'zone-a' }),
      instance('echo', 'a2', '127.0.0.1', backends.a2.port, { labels: { version: 'v1' }, zone: 'zone-b' }),
      instance('echo', 'b1', '127.0.0.1', backends.b1.port, { labels: { version: 'v2' }, zone: 'zone-a' }),
      // Unhealthy and pointing nowhere: a call routed to it would fail the test.
      instance('echo', 'dead', '127.0.0.1', 1, { labels: { version: 'v1' }, zone: 'zone-a', health: 'unhealthy' }),
    ],
  );
}

function call(metadata?: Record<string, string>): Promise<string> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata ?? {})) md.set(k, v);
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      ECHO_METHOD,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from('ping'),
      md,
      { deadline: Date.now() + 15_000 },
      (err, res) => (err ? reject(err) : resolve(res!.toString())),
    );
  });
}

async function count(n: number, metadata?: Record<string, string>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const who = await call(metadata);
    counts[who] = (counts[who] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  h = await startHarness();
  const [a1, a2, b1] = await Promise.all(['a1', 'a2', 'b1'].map(startEchoBackend));
  backends = { a1: a1!, a2: a2!, b1: b1! };
  useXdsBootstrap(h.address, { id: proxy.nodeId, cluster: proxy.service });
  const state = echoState();
  // The harness groups streams by node.cluster; that is the key this proxy's resources go under.
  expect(proxyGroupKey(state, proxy)).toBe('grpc:shop-client');
  h.cache.setSnapshot(proxy.service, translateForProxy(state, proxy).resources);
  client = xdsClient('xds:///echo');
});

afterAll(async () => {
  client?.close();
  await Promise.all(Object.values(backends ?? {}).map((b) => b.stop()));
  await h?.stop();
});

describe('translated config drives a real grpc-js-xds client', () => {
  it('routes canary calls to v2 and splits the rest 80/20 over v1/v2, never to an unhealthy instance', async () => {
    await eventually(
      async () => {
        try {
          await call();
          return true;
        } catch {
          return false;
        }
      },
      20_000,
      'first call through xds:///echo',
    );

    const canary = await count(50, { 'x-canary': 'true' });
    expect(canary).toEqual({ b1: 50 });

    const N = 1000;
    const split = await count(N);
    const v1 = (split.a1 ?? 0) + (split.a2 ?? 0);
    expect(v1 + (split.b1 ?? 0)).toBe(N);
    // 80/20 over 1000 calls: a 4-sigma band is about ±0.05.
    expect(v1 / N).toBeGreaterThan(0.74);
    expect(v1 / N).toBeLessThan(0.86);
    // Both v1 localities (zone-a, zone-b) carry traffic.
    expect(split.a1 ?? 0).toBeGreaterThan(100);
    expect(split.a2 ?? 0).toBeGreaterThan(100);

    await eventually(
      () => {
        const types = h.server.streams()[0]?.types ?? [];
        return types.length === 4 && types.every((t) => t.ackedVersion === t.sentVersion && !t.pendingAck);
      },
      5000,
      'client acked LDS, RDS, CDS and EDS',
    );
    expect(h.observer.nacks).toEqual([]);
  });
});
