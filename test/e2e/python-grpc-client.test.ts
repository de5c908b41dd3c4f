// The shop's checks with a second real client: gRPC C-core 1.51 through Debian's python3-grpcio,
// resolving xds:///catalog and xds:///payments through a real `switchyard serve` with the
// bootstrap `switchyard bootstrap grpc` writes. catalog carries the shop's own traffic policy
// (least_request, a full circuit breaker, consecutive5xx, retries, a 2 s timeout, a
// header-matched canary), so C-core is sent every piece the shop translates for proxyless clients.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamStatus } from '../../src/xds/stream-status';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { answered, startPythonXdsClient, type PythonXdsClient } from '../support/python-xds-client';
import { BIN, adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

const dir = tempDir('switchyard-python-');
const meshFile = path.join(dir, 'mesh.yaml');

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
    trafficPolicy:
      loadBalancer: least_request
      connectTimeout: 1s
      circuitBreaker: { maxConnections: 100, maxPendingRequests: 50, maxRequests: 200, maxRetries: 3 }
      outlierDetection: { consecutive5xx: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
    routes:
      - match: { pathPrefix: /, headers: { x-canary: "true" } }
        destinations: [ { subset: v2, weight: 100 } ]
      - match: { pathPrefix: / }
        destinations: [ { subset: v1, weight: ${v1} }, { subset: v2, weight: ${v2} } ]
        timeout: 2s
        retries: { attempts: 3, perTryTimeout: 500ms, retryOn: "5xx,reset,connect-failure" }
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

/**
 * How this file starts serve, in one place: the xDS port is plaintext and takes streams without a
 * token, as in the grpc-js-xds suites. When serve requires proof of identity by default, this is
 * the one function to change (a token in the bootstrap, or the flag that turns the proof off).
 */
function serveArgs(): string[] {
  return ['--config', meshFile, '--debounce', '50ms'];
}

const NODE_ID = 'frontend-py';
let serve: ServeProcess;
let py: PythonXdsClient;
const backends: Record<string, EchoBackend> = {};

async function register(service: string, id: string, port: number, labels: Record<string, string> = {}): Promise<void> {
  const res = await adminJson(serve.adminUrl, 'PUT', `/v1/services/${service}/instances/${id}`, { address: '127.0.0.1', port, labels });
  expect(res.status).toBe(200);
}

async function pythonProxy(): Promise<StreamStatus | undefined> {
  const body = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body as { proxies: StreamStatus[] };
  return body.proxies.find((p) => p.nodeId === NODE_ID);
}

beforeAll(async () => {
  fs.writeFileSync(meshFile, mesh(90, 10));
  serve = await startServe(serveArgs());
  for (const name of ['v1', 'v2', 'pay1', 'pay2', 'v1b']) backends[name] = await startEchoBackend(name);
  await register('catalog', 'catalog-v1', backends.v1!.port, { version: 'v1' });
  await register('catalog', 'catalog-v2', backends.v2!.port, { version: 'v2' });
  await register('payments', 'pay1', backends.pay1!.port);
  await register('payments', 'pay2', backends.pay2!.port);
  // The bootstrap a user gets from the CLI, unchanged.
  const boot = spawnSync(process.execPath, [BIN, 'bootstrap', 'grpc', '--xds-address', serve.xdsAddress, '--node-id', NODE_ID, '--service', 'frontend'], {
    encoding: 'utf8',
  });
  expect(boot.status).toBe(0);
  const bootstrapFile = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(bootstrapFile, boot.stdout);
  py = startPythonXdsClient(bootstrapFile);
  const first = await py.calls({ target: 'xds:///catalog', n: 1, deadlineS: 20 });
  expect(first.errors, first.details.join('\n')).toEqual({});
}, 60_000);

afterAll(async () => {
  await py?.close();
  await Promise.all(Object.values(backends).map((b) => b.stop()));
  await serve?.stop();
});

describe('switchyard serve with gRPC C-core 1.51 (Debian python3-grpcio)', () => {
  it('says who it is: the node C-core 1.51 sends, and the group it lands in', async () => {
    const proxy = await pythonProxy();
    // Logged so the table in the README can be checked against what a run saw.
    console.log(`C-core node: userAgent=${proxy?.userAgent} clientFeatures=${JSON.stringify(proxy?.clientFeatures)} group=${proxy?.group}`);
    expect(proxy?.userAgent).toMatch(/^gRPC C-core \S+ Python\/C-core \d+\.\d+\.\d+ Python 1\.51\.\d+$/);
    expect(proxy?.clientFeatures).toEqual(['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw']);
    // Its own group: C-core is sent header matches in another form than grpc-js-xds.
    expect(proxy?.group).toBe('grpc+header-exact-match+no-ring-hash+timeout-clock-skew:frontend');
  });

  it('splits catalog 90/10 between v1 and v2 over 1000 calls', async () => {
    const r = await py.calls({ target: 'xds:///catalog', n: 1000 });
    expect(r.errors, r.details.join('\n')).toEqual({});
    expect(answered(r)).toBe(1000);
    // Binomial(1000, 0.1): sd ≈ 9.5; ±40 is beyond 4 sd.
    expect(r.backends.v2 ?? 0).toBeGreaterThan(60);
    expect(r.backends.v2 ?? 0).toBeLessThan(140);
  });

  it('pins x-canary: true to v2', async () => {
    const r = await py.calls({ target: 'xds:///catalog', n: 50, metadata: { 'x-canary': 'true' } });
    expect(r.backends).toEqual({ v2: 50 });
  });

  it('refuses calls beyond the circuit breaker maxRequests', async () => {
    backends.pay1!.delayMs = 300;
    backends.pay2!.delayMs = 300;
    // Two in flight first, then six more while they are: C-core drops those at the picker.
    const r = await py.calls({ target: 'xds:///payments', waves: [{ n: 2 }, { afterMs: 100, n: 6 }] });
    backends.pay1!.delayMs = 0;
    backends.pay2!.delayMs = 0;
    expect(answered(r)).toBe(2);
    expect(r.errors).toEqual({ UNAVAILABLE: 6 });
    expect(r.details[0]).toMatch(/circuit breaker drop/);
  });

  it('ejects a failing payments backend (failure-percentage outlier detection)', async () => {
    backends.pay2!.failWith = 14; // UNAVAILABLE
    await eventually(
      async () => {
        const r = await py.calls({ target: 'xds:///payments', n: 20 });
        return r.backends.pay1 === 20;
      },
      30_000,
      'pay2 ejected',
    );
    backends.pay2!.failWith = undefined;
  });

  it('follows registry changes (EDS): a new instance is picked, a deregistered one is dropped', async () => {
    await register('catalog', 'catalog-v1b', backends.v1b!.port, { version: 'v1' });
    await eventually(async () => ((await py.calls({ target: 'xds:///catalog', n: 40 })).backends.v1b ?? 0) > 0, 15_000, 'new instance picked');
    expect((await adminJson(serve.adminUrl, 'DELETE', '/v1/services/catalog/instances/catalog-v1b')).status).toBe(204);
    await eventually(async () => (await py.calls({ target: 'xds:///catalog', n: 40 })).backends.v1b === undefined, 15_000, 'deregistered instance dropped');
  });

  it('follows a live weight change on the same xDS stream', async () => {
    const before = await pythonProxy();
    fs.writeFileSync(meshFile, mesh(10, 90));
    await eventually(async () => ((await py.calls({ target: 'xds:///catalog', n: 100 })).backends.v2 ?? 0) > 70, 15_000, 'new weights applied');
    const r = await py.calls({ target: 'xds:///catalog', n: 1000 });
    expect(r.backends.v2 ?? 0).toBeGreaterThan(860);
    expect(r.backends.v2 ?? 0).toBeLessThan(940);
    const after = await pythonProxy();
    // One stream throughout: the client followed the push, it did not reconnect.
    expect(after?.id).toBe(before?.id);
  });

  it('ACKed everything it was sent and NACKed nothing', async () => {
    const proxy = await pythonProxy();
    const types = proxy?.types ?? [];
    expect(types.map((t) => t.typeUrl.split('.').pop()).sort()).toEqual(['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration']);
    for (const t of types) {
      expect(t.lastNack, `${t.typeUrl} NACK`).toBeUndefined();
      expect(t.ackedVersion).toBe(t.sentVersion);
    }
    const metrics = String((await adminJson(serve.adminUrl, 'GET', '/metrics')).body);
    expect(metrics).not.toMatch(/^switchyard_xds_nacks_total\{[^}]*\} [1-9]/m);
  });
});
