// Issue 3's proof: the real @grpc/grpc-js-xds client against a real `switchyard serve` process,
// with real local backends registered through the admin API.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEcho, countCalls, startEchoBackend, ECHO_METHOD, type EchoBackend } from '../support/echo-backend';
import { adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { useXdsBootstrap, xdsClient } from '../support/xds-client';
import { eventually } from '../support/xds-harness';

const meshFile = path.join(tempDir(), 'mesh.yaml');

function mesh(v1: number, v2: number): string {
  return `mesh:
  trustDomain: switchyard.local
  mtls: disabled
  defaultPolicy: deny
services:
  - name: frontend
    protocol: grpc
    port: 8080
  - name: catalog
    protocol: grpc
    port: 8080
    subsets:
      v1: { version: v1 }
      v2: { version: v2 }
    routes:
      - match: { pathPrefix: /, headers: { x-canary: "true" } }
        destinations: [ { subset: v2, weight: 100 } ]
      - match: { pathPrefix: / }
        destinations: [ { subset: v1, weight: ${v1} }, { subset: v2, weight: ${v2} } ]
    allow: [ frontend ]
  - name: payments
    protocol: grpc
    port: 8080
    trafficPolicy:
      circuitBreaker: { maxRequests: 2 }
      outlierDetection:
        interval: 1s
        baseEjectionTime: 30s
        maxEjectionPercent: 50
        failurePercentage: { threshold: 50, minimumHosts: 2, requestVolume: 10 }
    allow: [ frontend ]
`;
}

let serve: ServeProcess;
const backends: Record<string, EchoBackend> = {};
let catalog: grpc.Client;
let payments: grpc.Client;

async function register(service: string, id: string, port: number, labels: Record<string, string> = {}, ttl?: string): Promise<void> {
  const res = await adminJson(serve.adminUrl, 'PUT', `/v1/services/${service}/instances/${id}`, {
    address: '127.0.0.1',
    port,
    labels,
    ...(ttl ? { ttl } : {}),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  fs.writeFileSync(meshFile, mesh(90, 10));
  serve = await startServe(['--config', meshFile, '--debounce', '50ms']);
  for (const name of ['v1', 'v2', 'pay1', 'pay2', 'ttl1']) backends[name] = await startEchoBackend(name);
  await register('catalog', 'catalog-v1', backends.v1!.port, { version: 'v1' });
  await register('catalog', 'catalog-v2', backends.v2!.port, { version: 'v2' });
  await register('payments', 'pay1', backends.pay1!.port);
  await register('payments', 'pay2', backends.pay2!.port);
  // node.cluster says who is calling: frontend may call catalog and payments.
  useXdsBootstrap(serve.xdsAddress, { id: 'frontend-1', cluster: 'frontend' });
  catalog = xdsClient('xds:///catalog');
  payments = xdsClient('xds:///payments');
  await callEcho(catalog, 15_000);
});

afterAll(async () => {
  catalog?.close();
  payments?.close();
  await Promise.all(Object.values(backends).map((b) => b.stop()));
  await serve?.stop();
});

function canaryCall(client: grpc.Client): Promise<string> {
  const md = new grpc.Metadata();
  md.set('x-canary', 'true');
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      ECHO_METHOD,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from('x'),
      md,
      { deadline: Date.now() + 5000 },
      (err, res) => (err ? reject(err) : resolve(res!.toString())),
    ),
  );
}

describe('switchyard serve with the real grpc-js-xds client', () => {
  it('splits catalog 90/10 between v1 and v2 over 1000 calls', async () => {
    const counts = await countCalls(catalog, 1000);
    // Binomial(1000, 0.1): sd ≈ 9.5; ±40 is beyond 4 sd.
    expect(counts.v2 ?? 0).toBeGreaterThan(60);
    expect(counts.v2 ?? 0).toBeLessThan(140);
    expect((counts.v1 ?? 0) + (counts.v2 ?? 0)).toBe(1000);
  });

  it('pins x-canary: true to v2', async () => {
    for (let i = 0; i < 50; i++) expect(await canaryCall(catalog)).toBe('v2');
  });

  it('rejects calls beyond the circuit breaker maxRequests', async () => {
    // Both backends hold every call until released, so the first two stay in flight for as
    // long as the test needs, however slow the machine.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    backends.pay1!.hold = held;
    backends.pay2!.hold = held;
    const arrived = () => backends.pay1!.calls + backends.pay2!.calls;
    const before = arrived();
    try {
      // grpc-js counts a call once it has started on a connection, so the first two must be in
      // flight before the rest are made; calls made in the same tick would all pass the check.
      // Both have reached a backend (and are held there): they are in flight.
      const first = Promise.allSettled([callEcho(payments), callEcho(payments)]);
      await eventually(() => arrived() === before + 2, 10_000, 'the first two calls in flight');
      // With two in flight, the breaker refuses the next six at once; none reaches a backend.
      const rest = await Promise.allSettled(Array.from({ length: 6 }, () => callEcho(payments)));
      expect(arrived()).toBe(before + 2);
      release();
      const results = [...(await first), ...rest];
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results.filter((r) => r.status === 'rejected' && (r.reason as grpc.ServiceError).code === grpc.status.UNAVAILABLE).length;
      expect(ok).toBe(2);
      expect(refused).toBe(6);
    } finally {
      release();
      backends.pay1!.hold = undefined;
      backends.pay2!.hold = undefined;
    }
  });

  it('ejects a failing payments backend (failure-percentage outlier detection)', async () => {
    backends.pay2!.failWith = grpc.status.UNAVAILABLE;
    await eventually(
      async () => {
        const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => callEcho(payments)));
        return outcomes.every((o) => o.status === 'fulfilled' && o.value === 'pay1');
      },
      20_000,
      'pay2 ejected',
    );
    backends.pay2!.failWith = undefined;
  });

  it('a lapsed TTL removes an instance from the client picks', async () => {
    await register('catalog', 'catalog-ttl', backends.ttl1!.port, { version: 'v1' }, '1s');
    await eventually(async () => (await countCalls(catalog, 40)).ttl1 !== undefined, 10_000, 'ttl instance picked');
    // No heartbeat: after its TTL it turns unhealthy and the client stops picking it.
    await eventually(async () => (await countCalls(catalog, 40)).ttl1 === undefined, 10_000, 'ttl instance dropped');
    // Listed as unhealthy first, then removed after a further TTL.
    await eventually(
      async () => !JSON.stringify((await adminJson(serve.adminUrl, 'GET', '/v1/services/catalog')).body).includes('catalog-ttl'),
      10_000,
      'ttl instance removed',
    );
  });

  it('editing weights in the mesh file changes the distribution without a restart', async () => {
    fs.writeFileSync(meshFile, mesh(10, 90));
    await eventually(async () => ((await countCalls(catalog, 100)).v2 ?? 0) > 70, 10_000, 'new weights applied');
    const counts = await countCalls(catalog, 1000);
    expect(counts.v2 ?? 0).toBeGreaterThan(860);
    expect(counts.v2 ?? 0).toBeLessThan(940);
    expect(serve.child.exitCode).toBeNull();
  });

  it('an invalid edit keeps the last valid config and says why on /readyz', async () => {
    fs.writeFileSync(meshFile, mesh(10, 80));
    await eventually(async () => (await adminJson(serve.adminUrl, 'GET', '/readyz')).status === 503, 10_000, 'readyz reports the bad file');
    const ready = await adminJson(serve.adminUrl, 'GET', '/readyz');
    expect(JSON.stringify(ready.body)).toMatch(/mesh\.yaml:\d+:\d+/);
    const counts = await countCalls(catalog, 200);
    expect(counts.v2 ?? 0).toBeGreaterThan(150);
    fs.writeFileSync(meshFile, mesh(10, 90));
    await eventually(async () => (await adminJson(serve.adminUrl, 'GET', '/readyz')).status === 200, 10_000, 'ready again');
  });
});
