import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { persistedFiles } from '../registry/helpers';
import { call, errorOf, startTestAdmin, type TestAdmin } from './helpers';

let admin: TestAdmin;
beforeEach(async () => {
  admin = await startTestAdmin({
    meshServices: [
      { name: 'catalog', protocol: 'http', port: 8080, subsets: {}, routes: [], endpoints: [{ address: '10.0.0.5', port: 8080, zone: 'zone-a' }] },
    ],
  });
});
afterEach(async () => {
  await admin.close();
});

const put = (service: string, id: string, body: unknown) => call(admin.url, 'PUT', `/v1/services/${service}/instances/${id}`, body);

describe('registry routes', () => {
  it('registers an instance and lists it with its labels, health and ttl', async () => {
    const created = await put('orders', 'orders-1', { address: '10.0.1.1', port: 9090, labels: { version: 'v2' }, weight: 10, zone: 'zone-b', ttl: '30s' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      id: 'orders-1',
      address: '10.0.1.1',
      port: 9090,
      labels: { version: 'v2' },
      weight: 10,
      zone: 'zone-b',
      health: 'healthy',
      ttl: '30s',
      source: 'registered',
    });

    const one = await call(admin.url, 'GET', '/v1/services/orders');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: 'orders', instances: [{ id: 'orders-1', health: 'healthy' }] });

    const all = await call(admin.url, 'GET', '/v1/services');
    expect(all.status).toBe(200);
    const services = (all.body as { services: Array<{ name: string; instances: Array<{ id: string; source: string }> }> }).services;
    expect(services.map((s) => s.name)).toEqual(['catalog', 'orders']);
    // Static endpoints from the mesh file are listed too, marked as such.
    expect(services[0]!.instances).toEqual([
      { id: 'static-10.0.0.5-8080', address: '10.0.0.5', port: 8080, labels: {}, weight: 1, zone: 'zone-a', health: 'healthy', source: 'static' },
    ]);
  });

  it('treats a repeated PUT as idempotent', async () => {
    const body = { address: '10.0.1.1', port: 9090, labels: { a: '1' } };
    expect((await put('orders', 'orders-1', body)).status).toBe(200);
    const revision = admin.store.snapshot().revision;
    let events = 0;
    admin.store.watch(() => events++);
    const again = await put('orders', 'orders-1', body);
    expect(again.status).toBe(200);
    expect(admin.store.snapshot().revision).toBe(revision);
    expect(events).toBe(0);
  });

  it('renews TTL instances on heartbeat and explains heartbeats it cannot apply', async () => {
    await put('orders', 'ttl-1', { address: '10.0.1.1', port: 9090, ttl: '1m' });
    await put('orders', 'plain-1', { address: '10.0.1.2', port: 9090 });
    const renewed = await call(admin.url, 'POST', '/v1/services/orders/instances/ttl-1/heartbeat');
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({ id: 'ttl-1', health: 'healthy', ttl: '1m' });

    const noTtl = await call(admin.url, 'POST', '/v1/services/orders/instances/plain-1/heartbeat');
    expect(noTtl.status).toBe(409);
    expect(errorOf(noTtl)).toMatchObject({ code: 'conflict', field: 'id' });

    const unknown = await call(admin.url, 'POST', '/v1/services/orders/instances/nope/heartbeat');
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown)).toMatchObject({ code: 'not_found', field: 'id' });
  });

  it('deregisters, and answers 404 for instances and services it does not know', async () => {
    await put('orders', 'orders-1', { address: '10.0.1.1', port: 9090 });
    const removed = await call(admin.url, 'DELETE', '/v1/services/orders/instances/orders-1');
    expect(removed.status).toBe(204);
    expect(removed.body).toBe('');
    const again = await call(admin.url, 'DELETE', '/v1/services/orders/instances/orders-1');
    expect(again.status).toBe(404);
    expect(errorOf(again)).toMatchObject({ code: 'not_found', field: 'id' });

    const service = await call(admin.url, 'GET', '/v1/services/orders');
    expect(service.status).toBe(404);
    expect(errorOf(service)).toMatchObject({ code: 'not_found', field: 'service' });
    // A mesh-file service without registered instances still exists.
    expect((await call(admin.url, 'GET', '/v1/services/catalog')).status).toBe(200);
  });

  it.each<[string, string, string, unknown, string]>([
    ['service name', 'Orders', 'orders-1', { address: '10.0.1.1', port: 1 }, 'service'],
    ['long service name', 'a'.repeat(64), 'orders-1', { address: '10.0.1.1', port: 1 }, 'service'],
    ['id', 'orders', 'orders_1', { address: '10.0.1.1', port: 1 }, 'id'],
    ['reserved id', 'orders', 'static-1', { address: '10.0.1.1', port: 1 }, 'id'],
    ['missing body', 'orders', 'orders-1', undefined, 'body'],
    ['array body', 'orders', 'orders-1', [], 'body'],
    ['unknown field', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, ttlMs: 5000 }, 'ttlMs'],
    ['missing address', 'orders', 'orders-1', { port: 1 }, 'address'],
    ['bad address', 'orders', 'orders-1', { address: '10.0.1', port: 1 }, 'address'],
    ['bad hostname', 'orders', 'orders-1', { address: 'bad_host', port: 1 }, 'address'],
    ['missing port', 'orders', 'orders-1', { address: '10.0.1.1' }, 'port'],
    ['port 0', 'orders', 'orders-1', { address: '10.0.1.1', port: 0 }, 'port'],
    ['port 70000', 'orders', 'orders-1', { address: '10.0.1.1', port: 70_000 }, 'port'],
    ['string port', 'orders', 'orders-1', { address: '10.0.1.1', port: '80' }, 'port'],
    ['label key', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, labels: { 'no spaces': 'x' } }, 'labels.no spaces'],
    ['label value', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, labels: { v: 'a b' } }, 'labels.v'],
    ['labels type', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, labels: 'v=1' }, 'labels'],
    ['weight 0', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, weight: 0 }, 'weight'],
    ['weight 200', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, weight: 200 }, 'weight'],
    ['zone', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, zone: 42 }, 'zone'],
    ['ttl number', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, ttl: 30 }, 'ttl'],
    ['ttl syntax', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, ttl: 'soon' }, 'ttl'],
    ['ttl without unit', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, ttl: '30' }, 'ttl'],
    ['ttl too short', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, ttl: '500ms' }, 'ttl'],
    ['ttl too long', 'orders', 'orders-1', { address: '10.0.1.1', port: 1, ttl: '25h' }, 'ttl'],
  ])('rejects a bad %s with 400 naming the field, and changes nothing', async (_name, service, id, body, field) => {
    await put('orders', 'orders-1', { address: '10.0.1.1', port: 9090 });
    const filesBefore = persistedFiles(admin.dataDir);
    const listBefore = await call(admin.url, 'GET', '/v1/services');

    const result = await put(service, id, body);
    expect(result.status).toBe(400);
    expect(errorOf(result)).toMatchObject({ code: 'invalid_argument', field });
    expect(errorOf(result).message).toMatch(/\w+ \w+/);

    expect((await call(admin.url, 'GET', '/v1/services')).body).toEqual(listBefore.body);
    expect(persistedFiles(admin.dataDir)).toEqual(filesBefore);
  });

  it('validates path names on every instance route', async () => {
    for (const [method, suffix] of [
      ['POST', '/heartbeat'],
      ['DELETE', ''],
    ] as const) {
      const result = await call(admin.url, method, `/v1/services/Bad/instances/x${suffix}`);
      expect(result.status).toBe(400);
      expect(errorOf(result).field).toBe('service');
    }
    const bad = await call(admin.url, 'GET', '/v1/services/no_underscores');
    expect(bad.status).toBe(400);
    expect(errorOf(bad).field).toBe('service');
  });

  it('answers 503 when the store cannot take writes', async () => {
    await admin.store.close();
    const result = await put('orders', 'orders-1', { address: '10.0.1.1', port: 9090 });
    expect(result.status).toBe(503);
    expect(errorOf(result).code).toBe('unavailable');
  });
});
