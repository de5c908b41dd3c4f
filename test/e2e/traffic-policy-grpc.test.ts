// Issue 16's traffic policy through the real proxyless client: a real `switchyard serve` process,
// real echo backends registered through its admin API (or named by DNS), and @grpc/grpc-js-xds
// 1.14 resolving xds:/// targets with frontend's identity. Each test counts which backend answered
// or how calls ended.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEcho, ECHO_METHOD, startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { useXdsBootstrap, xdsClient } from '../support/xds-client';
import { eventually } from '../support/xds-harness';

const meshFile = path.join(tempDir(), 'mesh.yaml');
const backends: Record<string, EchoBackend> = {};
let serve: ServeProcess;
const clients: grpc.Client[] = [];

function mesh(): string {
  return `mesh:
  trustDomain: switchyard.local
  mtls: disabled
  defaultPolicy: deny
services:
  - name: frontend
    protocol: grpc
    port: 8080
  # Outside the mesh, by DNS name: localhost resolves to the echo backend playing the provider.
  - name: provider
    protocol: grpc
    external: { hosts: [ localhost ], port: ${backends.provider!.port}, tls: none }
    allow: [ frontend ]
  # Its one instance is registered by hostname.
  - name: legacy
    protocol: grpc
    port: 8080
    allow: [ frontend ]
  # Session affinity: a user's calls all reach one instance.
  - name: carts
    protocol: grpc
    port: 8080
    trafficPolicy:
      loadBalancer: { consistentHash: { header: x-user-id } }
    allow: [ frontend ]
  # Faults by header, so one service shows each kind; without the header, no fault.
  - name: flaky
    protocol: grpc
    port: 8080
    routes:
      - match: { headers: { x-fault: abort } }
        destinations: [ { weight: 100 } ]
        fault: { abort: { grpcStatus: 14, percent: 30 } }
      - match: { headers: { x-fault: abort-http } }
        destinations: [ { weight: 100 } ]
        fault: { abort: { httpStatus: 403, percent: 100 } }
      - match: { headers: { x-fault: delay } }
        destinations: [ { weight: 100 } ]
        fault: { delay: { fixed: 300ms, percent: 50 } }
      - destinations: [ { weight: 100 } ]
    allow: [ frontend ]
  # Retries (gRFC A44): one of two instances always fails with UNAVAILABLE.
  - name: retrying
    protocol: grpc
    port: 8080
    routes:
      - destinations: [ { weight: 100 } ]
        retries: { attempts: 3, retryOn: unavailable }
    allow: [ frontend ]
`;
}

function client(target: string): grpc.Client {
  const c = xdsClient(target);
  clients.push(c);
  return c;
}

async function register(service: string, id: string, body: Record<string, unknown>): Promise<void> {
  const res = await adminJson(serve.adminUrl, 'PUT', `/v1/services/${service}/instances/${id}`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Every xDS type the client holds was ACKed: grpc-js-xds accepted each translation. */
async function expectNoNacks(): Promise<void> {
  const body = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body as { proxies: Array<{ nodeId: string; types: Array<{ lastNack?: unknown }> }> };
  expect(body.proxies.map((p) => p.nodeId)).toContain('frontend-1');
  expect(body.proxies.flatMap((p) => p.types).filter((t) => t.lastNack)).toEqual([]);
}

beforeAll(async () => {
  for (const name of ['provider', 'legacy', 'cart1', 'cart2', 'cart3', 'flaky', 'good', 'bad']) backends[name] = await startEchoBackend(name);
  fs.writeFileSync(meshFile, mesh());
  serve = await startServe(['--config', meshFile, '--debounce', '50ms']);
  useXdsBootstrap(serve.xdsAddress, { id: 'frontend-1', cluster: 'frontend' });
  for (const name of ['cart1', 'cart2', 'cart3']) await register('carts', name, { address: '127.0.0.1', port: backends[name]!.port });
  await register('flaky', 'flaky-1', { address: '127.0.0.1', port: backends.flaky!.port });
  backends.bad!.failWith = grpc.status.UNAVAILABLE;
  for (const name of ['good', 'bad']) await register('retrying', name, { address: '127.0.0.1', port: backends[name]!.port });
});

/** One unary call with request metadata; resolves to the answering backend's name. */
function callWith(c: grpc.Client, metadata: Record<string, string>, deadlineMs = 5000): Promise<string> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve, reject) =>
    c.makeUnaryRequest(
      ECHO_METHOD,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from('x'),
      md,
      { deadline: Date.now() + deadlineMs },
      (err, res) => (err ? reject(err) : resolve(res!.toString())),
    ),
  );
}

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(Object.values(backends).map((b) => b.stop()));
  await serve?.stop();
});

describe('external services and hostname instances (DNS clusters)', () => {
  it('calls an external service through its LOGICAL_DNS cluster', async () => {
    const provider = client('xds:///provider');
    expect(await callEcho(provider, 15_000)).toBe('provider');
    for (let i = 0; i < 20; i++) expect(await callEcho(provider)).toBe('provider');
  });

  it('an instance registered by hostname is resolved by DNS instead of vanishing from EDS', async () => {
    await register('legacy', 'legacy-1', { address: 'localhost', port: backends.legacy!.port });
    const legacy = client('xds:///legacy');
    // The cluster turns from EDS (no instances yet) to LOGICAL_DNS once the registration lands.
    await eventually(async () => (await callEcho(legacy).catch(() => '')) === 'legacy', 15_000, 'legacy answers');
    for (let i = 0; i < 20; i++) expect(await callEcho(legacy)).toBe('legacy');
    await expectNoNacks();
  });
});

describe('session affinity (consistentHash over ring_hash, gRFC A42)', () => {
  it('pins each x-user-id to one backend, and spreads users over all of them', async () => {
    const carts = client('xds:///carts');
    await eventually(async () => (await callWith(carts, { 'x-user-id': 'warmup' }).catch(() => '')) !== '', 15_000, 'carts answers');
    // All three instances must be in the ring before pinning is judged.
    await eventually(
      async () => {
        const seen = new Set<string>();
        for (let u = 0; u < 60; u++) seen.add(await callWith(carts, { 'x-user-id': `probe-${u}` }));
        return seen.size === 3;
      },
      15_000,
      'all three carts instances in the ring',
    );

    const perBackend: Record<string, number> = {};
    const USERS = 300;
    for (let u = 0; u < USERS; u++) {
      const answers = new Set<string>();
      for (let i = 0; i < 5; i++) answers.add(await callWith(carts, { 'x-user-id': `user-${u}` }));
      // The same header value always reaches the same backend.
      expect([...answers], `user-${u}`).toHaveLength(1);
      const [who] = answers;
      perBackend[who!] = (perBackend[who!] ?? 0) + 1;
    }
    // Ring hash spread: each of 3 backends owns about a third of the ring. 300 users over 3
    // equal shares: sd ≈ 8.2; a backend with under 50 users would be a badly skewed ring.
    expect(Object.keys(perBackend).sort()).toEqual(['cart1', 'cart2', 'cart3']);
    for (const n of Object.values(perBackend)) expect(n).toBeGreaterThan(50);
    console.log('ring hash spread over 300 users:', perBackend);
    await expectNoNacks();
  });
});

/** Runs `n` calls, `batch` at a time; resolves to each call's outcome and duration. */
async function outcomes(c: grpc.Client, metadata: Record<string, string>, n: number, batch = 25): Promise<{ code: number; ms: number }[]> {
  const out: { code: number; ms: number }[] = [];
  for (let done = 0; done < n; done += batch) {
    const round = Array.from({ length: Math.min(batch, n - done) }, async () => {
      const start = performance.now();
      const code = await callWith(c, metadata).then(
        () => grpc.status.OK,
        (e: grpc.ServiceError) => e.code,
      );
      return { code, ms: performance.now() - start };
    });
    out.push(...(await Promise.all(round)));
  }
  return out;
}

describe('fault injection per route (gRFC A33)', () => {
  let flaky: grpc.Client;
  beforeAll(async () => {
    flaky = client('xds:///flaky');
    await eventually(async () => (await callWith(flaky, {}).catch(() => '')) === 'flaky', 15_000, 'flaky answers');
  });

  it('aborts about 30% of calls with UNAVAILABLE, and never touches the backend for them', async () => {
    const before = backends.flaky!.calls;
    const N = 600;
    const results = await outcomes(flaky, { 'x-fault': 'abort' }, N);
    const aborted = results.filter((r) => r.code === grpc.status.UNAVAILABLE).length;
    const ok = results.filter((r) => r.code === grpc.status.OK).length;
    expect(aborted + ok).toBe(N);
    // Binomial(600, 0.3): sd ≈ 11.2; ±45 is 4 sd.
    expect(aborted).toBeGreaterThan(180 - 45);
    expect(aborted).toBeLessThan(180 + 45);
    expect(backends.flaky!.calls - before).toBe(ok);
    console.log(`fault abort 30%: ${aborted} of ${N} aborted`);
  });

  it('maps an HTTP abort status to its gRPC code (403 → PERMISSION_DENIED)', async () => {
    const results = await outcomes(flaky, { 'x-fault': 'abort-http' }, 20);
    expect(results.every((r) => r.code === grpc.status.PERMISSION_DENIED)).toBe(true);
  });

  it('delays about 50% of calls by 300ms; calls without the header are neither delayed nor aborted', async () => {
    const N = 300;
    const results = await outcomes(flaky, { 'x-fault': 'delay' }, N);
    expect(results.every((r) => r.code === grpc.status.OK)).toBe(true);
    const delayed = results.filter((r) => r.ms >= 280).length;
    // Binomial(300, 0.5): sd ≈ 8.7; ±35 is 4 sd.
    expect(delayed).toBeGreaterThan(150 - 35);
    expect(delayed).toBeLessThan(150 + 35);
    console.log(`fault delay 50%: ${delayed} of ${N} delayed by ≥280ms`);

    const plain = await outcomes(flaky, {}, 100);
    expect(plain.every((r) => r.code === grpc.status.OK && r.ms < 250)).toBe(true);
    await expectNoNacks();
  });
});

describe('retries (gRFC A44)', () => {
  it('retries UNAVAILABLE on another attempt, so every call succeeds although one instance always fails', async () => {
    const retrying = client('xds:///retrying');
    await eventually(async () => (await callWith(retrying, {}).catch(() => '')) === 'good', 15_000, 'retrying answers');
    await eventually(
      async () => {
        await outcomes(retrying, {}, 10, 10);
        return backends.bad!.calls > 0;
      },
      10_000,
      'both instances picked',
    );
    const badBefore = backends.bad!.calls;
    // One call at a time: round robin then alternates picks, so a retry after the failing instance
    // goes to the good one. (Concurrent calls interleave picks, and a call can draw the failing
    // instance on all four attempts.)
    const results = await outcomes(retrying, {}, 100, 1);
    expect(results.filter((r) => r.code !== grpc.status.OK)).toEqual([]);
    // Round robin sends about half the first attempts to the failing instance; each was retried.
    expect(backends.bad!.calls - badBefore).toBeGreaterThan(20);
    console.log(`retries: 100 of 100 calls succeeded; the failing instance was tried ${backends.bad!.calls - badBefore} times`);
  });
});
