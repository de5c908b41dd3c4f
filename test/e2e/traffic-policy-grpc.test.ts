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
  for (const name of ['provider', 'legacy', 'cart1', 'cart2', 'cart3']) backends[name] = await startEchoBackend(name);
  fs.writeFileSync(meshFile, mesh());
  serve = await startServe(['--config', meshFile, '--debounce', '50ms']);
  useXdsBootstrap(serve.xdsAddress, { id: 'frontend-1', cluster: 'frontend' });
  for (const name of ['cart1', 'cart2', 'cart3']) await register('carts', name, { address: '127.0.0.1', port: backends[name]!.port });
});

/** One unary call with request metadata; resolves to the answering backend's name. */
function callWith(c: grpc.Client, metadata: Record<string, string>, deadlineMs = 5000): Promise<string> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve, reject) =>
    c.makeUnaryRequest(ECHO_METHOD, (b: Buffer) => b, (b: Buffer) => b, Buffer.from('x'), md, { deadline: Date.now() + deadlineMs }, (err, res) =>
      err ? reject(err) : resolve(res!.toString()),
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
    await eventually(async () => {
      const seen = new Set<string>();
      for (let u = 0; u < 60; u++) seen.add(await callWith(carts, { 'x-user-id': `probe-${u}` }));
      return seen.size === 3;
    }, 15_000, 'all three carts instances in the ring');

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
