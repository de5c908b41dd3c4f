// Locality-aware routing and failover (issue 16, item 2) with the real grpc-js-xds client: its
// bootstrap says it runs in eu-west/eu-west-1a; serve sends each service's endpoints in
// priorities relative to that, and removing the local zone's instances moves its calls to the
// next priority. A separate file from traffic-policy-grpc.test.ts because grpc-js-xds reads one
// bootstrap (one locality) per process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEcho, countCalls, startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { useXdsBootstrap, xdsClient } from '../support/xds-client';
import { eventually } from '../support/xds-harness';

const meshFile = path.join(tempDir(), 'mesh.yaml');
const backends: Record<string, EchoBackend> = {};
const clients: grpc.Client[] = [];
let serve: ServeProcess;

const MESH = `mesh:
  trustDomain: switchyard.local
  mtls: disabled
  defaultPolicy: allow
services:
  - name: frontend
    protocol: grpc
    port: 8080
    allow: []
  - name: catalog
    protocol: grpc
    port: 8080
  - name: orders
    protocol: grpc
    port: 8080
    trafficPolicy:
      locality:
        failover: [ { from: eu-west-1a, to: us-east-1a } ]
`;

// Three localities per service: the caller's zone, its region's other zone, another region.
const PLACES = [
  { suffix: 'a1', region: 'eu-west', zone: 'eu-west-1a' },
  { suffix: 'a2', region: 'eu-west', zone: 'eu-west-1a' },
  { suffix: 'b1', region: 'eu-west', zone: 'eu-west-1b' },
  { suffix: 'c1', region: 'us-east', zone: 'us-east-1a' },
];

async function registry(method: 'PUT' | 'DELETE', service: string, id: string, body?: unknown): Promise<void> {
  const res = await adminJson(serve.adminUrl, method, `/v1/services/${service}/instances/${id}`, body);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

/** The set of backends that answered `n` calls. */
async function answering(client: grpc.Client, n = 40): Promise<string[]> {
  return Object.keys(await countCalls(client, n)).sort();
}

beforeAll(async () => {
  fs.writeFileSync(meshFile, MESH);
  serve = await startServe(['--config', meshFile, '--debounce', '50ms']);
  for (const service of ['catalog', 'orders']) {
    for (const p of PLACES) {
      const name = `${service}-${p.suffix}`;
      backends[name] = await startEchoBackend(name);
      await registry('PUT', service, name, { address: '127.0.0.1', port: backends[name]!.port, zone: p.zone, region: p.region });
    }
  }
  useXdsBootstrap(
    serve.xdsAddress,
    { id: 'frontend-eu-1', cluster: 'frontend' },
    { node: { id: 'frontend-eu-1', cluster: 'frontend', locality: { region: 'eu-west', zone: 'eu-west-1a' } } },
  );
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(Object.values(backends).map((b) => b.stop()));
  await serve?.stop();
});

describe('locality-aware routing with the real grpc-js-xds client', () => {
  it('keeps calls in the caller zone, then fails over to its region, then to the next region', async () => {
    const catalog = xdsClient('xds:///catalog');
    clients.push(catalog);
    await callEcho(catalog, 15_000);
    // Priority 0 is eu-west-1a: both of its instances and nothing else.
    expect(await answering(catalog)).toEqual(['catalog-a1', 'catalog-a2']);

    // The local zone's instances go away: priority 1, the region's other zone, takes over.
    await registry('DELETE', 'catalog', 'catalog-a1');
    await registry('DELETE', 'catalog', 'catalog-a2');
    await eventually(async () => (await answering(catalog, 10)).join() === 'catalog-b1', 10_000, 'failover to eu-west-1b');
    expect(await answering(catalog)).toEqual(['catalog-b1']);

    // And when the region is empty, priority 2: the other region.
    await registry('DELETE', 'catalog', 'catalog-b1');
    await eventually(async () => (await answering(catalog, 10)).join() === 'catalog-c1', 10_000, 'failover to us-east-1a');

    // The local zone back: calls return to it.
    await registry('PUT', 'catalog', 'catalog-a1', { address: '127.0.0.1', port: backends['catalog-a1']!.port, zone: 'eu-west-1a', region: 'eu-west' });
    await eventually(async () => (await answering(catalog, 10)).join() === 'catalog-a1', 10_000, 'back to eu-west-1a');
  });

  it('a failover rule sends eu-west-1a callers to us-east-1a before their own region', async () => {
    const orders = xdsClient('xds:///orders');
    clients.push(orders);
    await callEcho(orders, 15_000);
    expect(await answering(orders)).toEqual(['orders-a1', 'orders-a2']);
    await registry('DELETE', 'orders', 'orders-a1');
    await registry('DELETE', 'orders', 'orders-a2');
    await eventually(async () => (await answering(orders, 10)).join() === 'orders-c1', 10_000, 'failover to us-east-1a by the rule');
    expect(await answering(orders)).toEqual(['orders-c1']);

    const body = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body as { proxies: Array<{ nodeId: string; types: Array<{ lastNack?: unknown }> }> };
    expect(body.proxies.map((p) => p.nodeId)).toContain('frontend-eu-1');
    expect(body.proxies.flatMap((p) => p.types).filter((t) => t.lastNack)).toEqual([]);
  });
});
