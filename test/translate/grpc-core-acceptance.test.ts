// Each dialect rule, proved with the client that needed it: gRPC C-core 1.51 (Debian's
// python3-grpcio) is served the default form and the rule's form of the same translation, side by
// side, from one xDS server. The default form must draw the failure that made the rule (a NACK,
// or a crash; so the rule is still needed, and this file says why it exists), the rule's form
// must be ACKed and route calls; and a NACK must be visible (stream status, metrics) and not
// answered with the same rejected resources again and again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshState, ProxyIdentity } from '../../src/model';
import { SwitchyardMetrics } from '../../src/metrics/metrics';
import { TypeUrl } from '../../src/proto/type-urls';
import { translateForProxy } from '../../src/translate/translate';
import { SnapshotCache } from '../../src/xds/snapshot-cache';
import { XdsServer } from '../../src/xds/server';
import { fanOut } from '../support/observers';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { answered, startPythonXdsClient, type PythonXdsClient } from '../support/python-xds-client';
import { tempDir } from '../support/serve-process';
import { eventually, RecordingObserver } from '../support/xds-harness';
import { grpcClient, instance, meshState, service } from './support/mesh-fixtures';

/** What C-core 1.51 sends in its node (test/e2e/python-grpc-client.test.ts logs it from a live run). */
const C_CORE_151 = {
  name: 'gRPC C-core linux Python',
  version: 'C-core 29.0.0 Python 1.51.1',
  features: ['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw'],
};

let server: XdsServer;
let address = '';
const recorded = new RecordingObserver();
const metrics = new SwitchyardMetrics();
const backends: Record<string, EchoBackend> = {};
const clients: PythonXdsClient[] = [];
const dir = tempDir('switchyard-core-');

function state(): MeshState {
  return meshState(
    [
      service('frontend', { protocol: 'grpc' }),
      // A 1 s timeout, a backend answering in 400 ms (timeout-clock-skew).
      service('patient', { protocol: 'grpc', routes: [{ match: { pathPrefix: '/' }, destinations: [{ weight: 100 }], timeoutMs: 1000 }], allow: ['frontend'] }),
      // Served to C-core as RING_HASH only in the default form (no-ring-hash).
      service('hashed', { protocol: 'grpc', trafficPolicy: { loadBalancer: 'ring_hash' }, allow: ['frontend'] }),
      service('catalog', {
        protocol: 'grpc',
        subsets: { v1: { version: 'v1' }, v2: { version: 'v2' } },
        routes: [
          { match: { pathPrefix: '/', headers: { 'x-canary': 'true' } }, destinations: [{ subset: 'v2', weight: 100 }] },
          { match: { pathPrefix: '/' }, destinations: [{ subset: 'v1', weight: 100 }] },
        ],
        allow: ['frontend'],
      }),
    ],
    [
      instance('catalog', 'v1', '127.0.0.1', backends.v1!.port, { labels: { version: 'v1' } }),
      instance('catalog', 'v2', '127.0.0.1', backends.v2!.port, { labels: { version: 'v2' } }),
      instance('patient', 'medium', '127.0.0.1', backends.medium!.port),
      instance('hashed', 'v1', '127.0.0.1', backends.v1!.port),
      instance('hashed', 'v2', '127.0.0.1', backends.v2!.port),
    ],
    { defaultPolicy: 'deny' },
  );
}

/** A Python client whose node.cluster names the cache group it is served from. */
function pythonIn(group: string): PythonXdsClient {
  const file = path.join(dir, `${group}.json`);
  const bootstrap = {
    xds_servers: [{ server_uri: address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: `${group}-1`, cluster: group, locality: {} },
  };
  fs.writeFileSync(file, JSON.stringify(bootstrap));
  const c = startPythonXdsClient(file);
  clients.push(c);
  return c;
}

function streamOf(group: string) {
  return server.streams().find((s) => s.group === group);
}

beforeAll(async () => {
  for (const n of ['v1', 'v2', 'medium']) backends[n] = await startEchoBackend(n);
  backends.medium!.delayMs = 400;
  const cache = new SnapshotCache();
  const fromMetrics = metrics.xdsObserver(() => 'grpc');
  server = new XdsServer({ cache, observer: fanOut(recorded, fromMetrics), resolveGroup: (node) => ({ group: node.cluster || 'default' }) });
  address = `127.0.0.1:${await server.listen('127.0.0.1:0')}`;
  const s = state();
  const asDefault: ProxyIdentity = grpcClient('frontend');
  const asCore: ProxyIdentity = { ...grpcClient('frontend'), client: C_CORE_151 };
  cache.setSnapshot('default-form', translateForProxy(s, asDefault).resources);
  cache.setSnapshot('rule-form', translateForProxy(s, asCore).resources);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.shutdown(1000);
  await Promise.all(Object.values(backends).map((b) => b.stop()));
});

describe('header-exact-match, with gRPC C-core 1.51', () => {
  it('the default form (string_match) is NACKed: "Invalid route header matcher specified."', async () => {
    const py = pythonIn('default-form');
    const r = await py.calls({ target: 'xds:///catalog', n: 1, deadlineS: 20 });
    expect(answered(r)).toBe(0);
    expect(r.details[0]).toMatch(/Invalid route header matcher specified/);
    await eventually(() => streamOf('default-form')?.types.some((t) => t.lastNack) ?? false, 10_000, 'NACK recorded');
    const rds = streamOf('default-form')!.types.find((t) => t.typeUrl === TypeUrl.RouteConfiguration)!;
    // Visible in the stream's status (/v1/proxies, switchyard status)…
    expect(rds.lastNack?.message).toMatch(/catalog: INVALID_ARGUMENT: Invalid route header matcher specified/);
    expect(rds.ackedVersion).toBeUndefined();
    // …and in the metrics.
    expect(await metrics.registry.getSingleMetricAsString('switchyard_xds_nacks_total')).toMatch(/switchyard_xds_nacks_total\{type="RDS"\} [1-9]/);
  });

  it('the NACKed resources are not sent again while nothing changes (no NACK loop)', async () => {
    const py = clients[0]!;
    const rdsSent = () => recorded.sent.filter((s) => s.typeUrl === TypeUrl.RouteConfiguration).length;
    const nacks = () => recorded.nacks.length;
    const [sentBefore, nacksBefore] = [rdsSent(), nacks()];
    // The client keeps calling (and so keeps its watches) for a few seconds.
    for (let i = 0; i < 5; i++) {
      await py.calls({ target: 'xds:///catalog', n: 1, deadlineS: 1 });
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(rdsSent()).toBe(sentBefore);
    expect(nacks()).toBe(nacksBefore);
  });

  it("the rule's form (exact_match) is ACKed and routes the canary header", async () => {
    const py = pythonIn('rule-form');
    await eventually(async () => answered(await py.calls({ target: 'xds:///catalog', n: 1, deadlineS: 20 })) === 1, 30_000, 'first call');
    expect((await py.calls({ target: 'xds:///catalog', n: 20, metadata: { 'x-canary': 'true' } })).backends).toEqual({ v2: 20 });
    expect((await py.calls({ target: 'xds:///catalog', n: 20 })).backends).toEqual({ v1: 20 });
    const stream = streamOf('rule-form')!;
    expect(stream.types.map((t) => t.lastNack)).toEqual([undefined, undefined, undefined, undefined]);
    expect(stream.types.every((t) => t.ackedVersion === t.sentVersion)).toBe(true);
  });
});

describe('no-ring-hash, with gRPC C-core 1.51', () => {
  it('the default form (RING_HASH) is ACKed, then the client crashes (SIGSEGV) on the first pick', async () => {
    const py = pythonIn('default-form');
    await expect(py.calls({ target: 'xds:///hashed', n: 1, deadlineS: 20 })).rejects.toThrow(/exited with SIGSEGV/);
    expect((await py.exited).signal).toBe('SIGSEGV');
  });

  it("the rule's form (ROUND_ROBIN) serves calls over both instances", async () => {
    const py = pythonIn('rule-form');
    const r = await py.calls({ target: 'xds:///hashed', n: 20, deadlineS: 20 });
    expect(r.errors, r.details.join('\n')).toEqual({});
    expect((r.backends.v1 ?? 0) + (r.backends.v2 ?? 0)).toBe(20);
    expect(r.backends.v1 ?? 0).toBeGreaterThan(4);
    expect(r.backends.v2 ?? 0).toBeGreaterThan(4);
  });
});

describe('timeout-clock-skew, with gRPC C-core 1.51', () => {
  it('the default form (1 s as written) ends a 400 ms call DEADLINE_EXCEEDED, early', async () => {
    const py = pythonIn('default-form');
    const r = await py.calls({ target: 'xds:///patient', n: 3, deadlineS: 10 });
    expect(r.backends).toEqual({});
    expect(r.errors).toEqual({ DEADLINE_EXCEEDED: 3 });
  });

  it("the rule's form (1 s + 2 s) lets the 400 ms call finish", async () => {
    const py = pythonIn('rule-form');
    const r = await py.calls({ target: 'xds:///patient', n: 3, deadlineS: 10 });
    expect(r.errors, r.details.join('\n')).toEqual({});
    expect(r.backends).toEqual({ medium: 3 });
  });
});
