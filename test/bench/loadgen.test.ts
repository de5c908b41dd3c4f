// The load generator's numbers are only worth something if it counts what the server counts:
// every response, ACK and NACK, and every byte. Checked against a real `switchyard serve`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loadgen } from '../../bench/loadgen/loadgen';
import { CDS, EDS, LDS, RDS } from '../../bench/loadgen/simulated-proxy';
import { adminJson, startServe, type ServeProcess, adminFetch } from '../support/serve-process';

// The shop's services (its ingress is a gateway, not a service: see test/e2e/gateway.test.ts).
const SHOP = ['frontend', 'catalog', 'orders', 'payments', 'db'];

let server: ServeProcess;

async function metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await adminFetch(`${server.adminUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

interface ProxyView {
  nodeId: string;
  types: Array<{ type: string; sentVersion?: string; ackedVersion?: string; lastNack?: { message: string } }>;
}

async function proxies(): Promise<ProxyView[]> {
  return ((await adminJson(server.adminUrl, 'GET', '/v1/proxies')).body as { proxies: ProxyView[] }).proxies;
}

beforeAll(async () => {
  server = await startServe(['--debounce', '0ms']);
  let port = 20000;
  for (const service of SHOP) {
    for (const version of service === 'catalog' ? ['v1', 'v2'] : ['v1']) {
      const res = await adminJson(server.adminUrl, 'PUT', `/v1/services/${service}/instances/${service}-${version}`, {
        address: '10.0.0.1',
        port: port++,
        labels: { version },
      });
      expect(res.status).toBe(200);
    }
  }
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

async function run(lg: Loadgen): Promise<void> {
  lg.start();
  await lg.waitSynced(20_000);
  expect(lg.firstError()).toBeUndefined();
}

describe('load generator', () => {
  it('syncs Envoy-shaped SotW and delta streams and proxyless named ones, and counts exactly what the server counts', async () => {
    const before = {
      pushes: await metricSum('switchyard_xds_pushes_total'),
      acks: await metricSum('switchyard_xds_acks_total'),
      bytes: await metricSum('switchyard_xds_push_bytes_total'),
    };
    const sotw = new Loadgen({
      target: server.xdsAddress,
      count: SHOP.length,
      mode: 'sotw',
      shape: 'envoy',
      node: (i) => ({ id: `sotw-${i}`, cluster: SHOP[i]!, userAgentName: 'envoy' }),
    });
    const delta = new Loadgen({
      target: server.xdsAddress,
      count: SHOP.length,
      mode: 'delta',
      shape: 'envoy',
      streamsPerConnection: 3,
      node: (i) => ({ id: `delta-${i}`, cluster: SHOP[i]!, userAgentName: 'envoy' }),
    });
    const grpc = new Loadgen({
      target: server.xdsAddress,
      count: 2,
      mode: 'sotw',
      shape: 'grpc',
      node: (i) => ({ id: `grpc-${i}`, cluster: 'frontend', userAgentName: 'gRPC Node' }),
      listeners: () => ['catalog', 'orders'],
    });
    await Promise.all([run(sotw), run(delta), run(grpc)]);

    // Envoy-shaped streams went through all four types; the frontend's sidecar reaches catalog's subsets.
    const frontend = sotw.proxies[SHOP.indexOf('frontend')]!;
    for (const t of [CDS, EDS, LDS, RDS]) expect(frontend.types.get(t)!.acks, t).toBeGreaterThan(0);
    const eds = frontend.types.get(EDS)!.subscription;
    expect(eds instanceof Set && [...eds].sort()).toEqual(expect.arrayContaining(['catalog', 'catalog/v1', 'catalog/v2', 'orders']));
    // The proxyless client subscribed by name along LDS → RDS → CDS → EDS: the clusters its routes use.
    const client = grpc.proxies[0]!;
    expect([...(client.types.get(CDS)!.subscription as Set<string>)].sort()).toEqual(['catalog/v1', 'catalog/v2', 'orders']);

    // The server saw an ACK for everything it sent to each stream.
    const views = await proxies();
    for (const p of [...sotw.proxies, ...delta.proxies, ...grpc.proxies]) {
      const view = views.find((v) => v.nodeId === p.options.node.id);
      expect(view, p.options.node.id).toBeDefined();
      expect(view!.types.length).toBeGreaterThan(0);
      for (const t of view!.types) expect(t.ackedVersion, `${p.options.node.id} ${t.type}`).toBe(t.sentVersion);
    }

    const totals = [sotw, delta, grpc].map((l) => l.totals());
    const sum = (k: 'responses' | 'acks' | 'nacks' | 'bytesReceived') => totals.reduce((a, t) => a + t[k], 0);
    expect(sum('nacks')).toBe(0);
    expect(sum('responses')).toBe((await metricSum('switchyard_xds_pushes_total')) - before.pushes);
    expect(sum('acks')).toBe((await metricSum('switchyard_xds_acks_total')) - before.acks);
    expect(sum('bytesReceived')).toBe((await metricSum('switchyard_xds_push_bytes_total')) - before.bytes);
    await Promise.all([sotw.close(), delta.close(), grpc.close()]);
  }, 60_000);

  it('NACKs on request and counts each NACK once, as the server does; a NACKed type never counts as synced', async () => {
    const nacksBefore = await metricSum('switchyard_xds_nacks_total', { type: 'LDS' });
    const lg = new Loadgen({
      target: server.xdsAddress,
      count: 4,
      mode: 'delta',
      shape: 'envoy',
      node: (i) => ({ id: `nack-${i}`, cluster: SHOP[i]!, userAgentName: 'envoy' }),
      nack: (typeUrl) => (typeUrl === LDS ? 'listener rejected by the load generator' : undefined),
    });
    lg.start();
    await lg.waitFor((p) => p.counters.nacks > 0, 20_000);
    expect(lg.totals().nacks).toBe(4);
    expect(lg.totals().synced).toBe(0);
    await expect.poll(() => metricSum('switchyard_xds_nacks_total', { type: 'LDS' })).toBe(nacksBefore + 4);
    const views = (await proxies()).filter((v) => v.nodeId.startsWith('nack-'));
    expect(views).toHaveLength(4);
    for (const v of views) expect(v.types.find((t) => t.type === 'LDS')?.lastNack?.message).toContain('listener rejected by the load generator');
    await lg.close();
  }, 60_000);
});
