// The README's compatibility table, as tests: one mesh with a service per feature, translated for
// a given consumer, served from one xDS server, and called through a real client. The same checks
// run for each client (grpc-core-features.test.ts, grpc-js-features.test.ts), so a row in the
// table is what these tests saw, not what a client's documentation claims.
import * as grpc from '@grpc/grpc-js';
import type { MeshState, ProxyIdentity } from '../../../src/model';
import { translateForProxy } from '../../../src/translate/translate';
import { ECHO_METHOD, startEchoBackend, type EchoBackend } from '../../support/echo-backend';
import type { CallResults, CallsCommand } from '../../support/python-xds-client';
import { startHarness, type Harness } from '../../support/xds-harness';
import { instance, meshState, service } from './mesh-fixtures';

export type FeatureBackends = Record<'v1' | 'v2' | 'good' | 'bad' | 'slow' | 'medium' | 'za' | 'zb' | 'healthy', EchoBackend>;

/** Every feature a service of its own, so each is resolved (and could be rejected) on its own. */
export function featureState(b: FeatureBackends): MeshState {
  const subsets = { v1: { version: 'v1' }, v2: { version: 'v2' } };
  const versions = [
    instance('paths', 'v1', '127.0.0.1', b.v1.port, { labels: { version: 'v1' } }),
    instance('paths', 'v2', '127.0.0.1', b.v2.port, { labels: { version: 'v2' } }),
  ];
  const pair = (svc: string) => [instance(svc, 'good', '127.0.0.1', b.good.port), instance(svc, 'bad', '127.0.0.1', b.bad.port)];
  return meshState(
    [
      service('client', { protocol: 'grpc' }),
      // Exact path beats the prefix route after it.
      service('paths', {
        protocol: 'grpc',
        subsets,
        routes: [
          { match: { path: ECHO_METHOD }, destinations: [{ subset: 'v2', weight: 100 }] },
          { match: { pathPrefix: '/' }, destinations: [{ subset: 'v1', weight: 100 }] },
        ],
      }),
      service('ringhash', { protocol: 'grpc', trafficPolicy: { loadBalancer: 'ring_hash' } }),
      service('maglev', { protocol: 'grpc', trafficPolicy: { loadBalancer: 'maglev' } }),
      service('random', { protocol: 'grpc', trafficPolicy: { loadBalancer: 'random' } }),
      // One instance always fails with UNAVAILABLE: with retries every call should still succeed.
      service('retries', {
        protocol: 'grpc',
        routes: [{ match: { pathPrefix: '/' }, destinations: [{ weight: 100 }], retries: { attempts: 3, retryOn: '5xx,reset,connect-failure' } }],
      }),
      service('noretries', { protocol: 'grpc' }),
      service('timeout', { protocol: 'grpc', routes: [{ match: { pathPrefix: '/' }, destinations: [{ weight: 100 }], timeoutMs: 300 }] }),
      // A call that takes 400 ms on a route with a 1 s timeout must not be cut.
      service('withintimeout', { protocol: 'grpc', routes: [{ match: { pathPrefix: '/' }, destinations: [{ weight: 100 }], timeoutMs: 1000 }] }),
      // zone-a holds weight 3, zone-b weight 1: locality weights should split 75/25.
      service('zones', { protocol: 'grpc' }),
      // The unhealthy instance points at a closed port: a call sent there would fail.
      service('health', { protocol: 'grpc' }),
      // Only `paths` may call it: the client is sent nothing for it.
      service('hidden', { protocol: 'grpc', allow: ['paths'] }),
    ],
    [
      ...versions,
      instance('ringhash', 'good', '127.0.0.1', b.good.port),
      instance('maglev', 'good', '127.0.0.1', b.good.port),
      instance('random', 'good', '127.0.0.1', b.good.port),
      ...pair('retries'),
      ...pair('noretries'),
      instance('timeout', 'slow', '127.0.0.1', b.slow.port),
      instance('withintimeout', 'medium', '127.0.0.1', b.medium.port),
      instance('zones', 'za', '127.0.0.1', b.za.port, { zone: 'zone-a', weight: 3 }),
      instance('zones', 'zb', '127.0.0.1', b.zb.port, { zone: 'zone-b', weight: 1 }),
      instance('health', 'healthy', '127.0.0.1', b.healthy.port),
      instance('health', 'down', '127.0.0.1', 1, { health: 'unhealthy' }),
      instance('hidden', 'good', '127.0.0.1', b.good.port),
    ],
  );
}

export interface FeatureRig {
  readonly harness: Harness;
  readonly backends: FeatureBackends;
  stop(): Promise<void>;
}

/** Backends, and an xDS server whose group `client` holds the feature mesh translated for `proxy`. */
export async function startFeatureRig(proxy: ProxyIdentity): Promise<FeatureRig> {
  const names = ['v1', 'v2', 'good', 'bad', 'slow', 'medium', 'za', 'zb', 'healthy'] as const;
  const started = await Promise.all(names.map((n) => startEchoBackend(n)));
  const backends = Object.fromEntries(names.map((n, i) => [n, started[i]!])) as FeatureBackends;
  backends.bad.failWith = grpc.status.UNAVAILABLE;
  backends.slow.delayMs = 3000;
  backends.medium.delayMs = 400;
  const harness = await startHarness();
  harness.cache.setSnapshot('client', translateForProxy(featureState(backends), proxy).resources);
  return {
    harness,
    backends,
    stop: async () => {
      await harness.stop();
      await Promise.all(started.map((b) => b.stop()));
    },
  };
}

/** grpc-js-xds as a caller with the Python client's shape, so both files run the same checks. */
export function grpcJsCaller(): { calls(cmd: CallsCommand): Promise<CallResults>; close(): void } {
  const clients = new Map<string, grpc.Client>();
  const one = (client: grpc.Client, md: grpc.Metadata, deadlineS: number) =>
    new Promise<{ ok: string } | { err: string }>((resolve) =>
      client.makeUnaryRequest(
        ECHO_METHOD,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from('ping'),
        md,
        { deadline: Date.now() + deadlineS * 1000 },
        (e, r) => resolve(e ? { err: `${grpc.status[e.code]}: ${e.details}` } : { ok: r!.toString() }),
      ),
    );
  return {
    async calls(cmd) {
      let client = clients.get(cmd.target);
      if (!client) {
        client = new grpc.Client(cmd.target, grpc.credentials.createInsecure());
        clients.set(cmd.target, client);
      }
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(cmd.metadata ?? {})) md.set(k, v);
      const out: CallResults = { backends: {}, errors: {}, details: [] };
      for (let i = 0; i < (cmd.n ?? 1); i++) {
        const r = await one(client, md, cmd.deadlineS ?? 5);
        if ('ok' in r) out.backends[r.ok] = (out.backends[r.ok] ?? 0) + 1;
        else {
          const code = r.err.split(':')[0]!;
          out.errors[code] = (out.errors[code] ?? 0) + 1;
          if (out.details.length < 5) out.details.push(r.err);
        }
      }
      return out;
    },
    close: () => {
      for (const c of clients.values()) c.close();
    },
  };
}

interface Caller {
  calls(cmd: CallsCommand): Promise<CallResults>;
}

const total = (r: CallResults) => Object.values(r.backends).reduce((a, b) => a + b, 0);

/**
 * The checks behind each row of the README's compatibility table. `caller` and `rig` are read
 * when the tests run (after the file's beforeAll has started them).
 */
export function featureChecks(
  it: (name: string, fn: () => Promise<void>) => void,
  expect: typeof import('vitest').expect,
  ctx: () => { caller: Caller; rig: FeatureRig },
): void {
  const calls = (target: string, n: number, extra: Partial<CallsCommand> = {}) => ctx().caller.calls({ target: `xds:///${target}`, n, ...extra });

  it('exact path match: the path route wins over the prefix route after it', async () => {
    expect((await calls('paths', 20)).backends).toEqual({ v2: 20 });
  });

  it('ring_hash is accepted and serves calls', async () => {
    expect((await calls('ringhash', 20)).backends).toEqual({ good: 20 });
  });

  it('maglev (sent as ring_hash) is accepted and serves calls', async () => {
    expect((await calls('maglev', 20)).backends).toEqual({ good: 20 });
  });

  it('random (sent as round_robin) is accepted and serves calls', async () => {
    expect((await calls('random', 20)).backends).toEqual({ good: 20 });
  });

  it('retries: with one of two instances failing UNAVAILABLE, calls are retried and succeed', async () => {
    const without = await calls('noretries', 40);
    // The baseline: round robin over a good and a failing instance, no retry policy.
    expect(without.errors.UNAVAILABLE ?? 0).toBeGreaterThan(5);
    const badBefore = ctx().rig.backends.bad.calls;
    const r = await calls('retries', 40);
    expect(r.errors, r.details.join('\n')).toEqual({});
    expect(r.backends).toEqual({ good: 40 });
    // The failing instance was tried (and the call retried elsewhere), not avoided by luck.
    expect(ctx().rig.backends.bad.calls).toBeGreaterThan(badBefore);
  });

  it('route timeout (max_stream_duration): a call slower than the 300 ms timeout ends DEADLINE_EXCEEDED', async () => {
    const started = Date.now();
    const r = await calls('timeout', 2, { deadlineS: 10 });
    expect(r.errors).toEqual({ DEADLINE_EXCEEDED: 2 });
    // Before the backend's 3 s answer and the call's own 10 s deadline (C-core is sent 2.3 s and
    // ends calls 1-2 s early: see timeout-clock-skew).
    expect(Date.now() - started).toBeLessThan(2 * 2600);
  });

  it('route timeout: a call that finishes within the 1 s timeout is not cut', async () => {
    const r = await calls('withintimeout', 3, { deadlineS: 10 });
    expect(r.errors, r.details.join('\n')).toEqual({});
    expect(r.backends).toEqual({ medium: 3 });
  });

  it('zones: locality weights (sum of endpoint weights) split 3:1 between zone-a and zone-b', async () => {
    const r = await calls('zones', 400);
    expect(total(r)).toBe(400);
    const share = (r.backends.za ?? 0) / 400;
    // 0.75 expected; binomial sd ≈ 0.022, so ±0.1 is beyond 4 sd.
    expect(share).toBeGreaterThan(0.65);
    expect(share).toBeLessThan(0.85);
  });

  it('an unhealthy instance is never picked', async () => {
    expect((await calls('health', 20)).backends).toEqual({ healthy: 20 });
  });

  it('a service the client may not call is unknown to it: no instance answers', async () => {
    const started = Date.now();
    // C-core gives up after its 15 s does-not-exist timer (UNAVAILABLE); grpc-js-xds keeps waiting
    // for name resolution until the call's deadline. Logged for the README.
    const r = await calls('hidden', 1, { deadlineS: 17 });
    console.log(`xds:///hidden failed after ${Date.now() - started} ms: ${r.details.join('; ')}`);
    expect(r.backends).toEqual({});
    expect(['UNAVAILABLE', 'DEADLINE_EXCEEDED']).toContain(Object.keys(r.errors)[0]);
  });

  it('every resource sent was ACKed; nothing NACKed', async () => {
    const { harness } = ctx().rig;
    const stream = harness.server.streams().find((s) => s.group === 'client');
    expect(stream).toBeDefined();
    for (const t of stream!.types) {
      expect(t.lastNack, t.typeUrl).toBeUndefined();
      expect(t.ackedVersion, t.typeUrl).toBe(t.sentVersion);
    }
    expect(harness.observer.nacks).toEqual([]);
  });
}
