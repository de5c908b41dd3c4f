import * as http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startAdminServer } from '../../src/admin/http-server';
import { jsonResponse, textResponse, type RouteDefinition } from '../../src/admin/route';
import { call, errorOf, silentLogger, startTestAdmin, type TestAdmin } from './helpers';

let admin: TestAdmin | undefined;
afterEach(async () => {
  await admin?.close();
  admin = undefined;
});

const registration = { address: '10.0.1.1', port: 9090 };

describe('admin token', () => {
  it('is required on writes when configured, and a refused write changes nothing', async () => {
    admin = await startTestAdmin({ adminToken: 's3cret' });
    const path = '/v1/services/orders/instances/orders-1';

    const missing = await call(admin.url, 'PUT', path, registration);
    expect(missing.status).toBe(401);
    expect(errorOf(missing)).toMatchObject({ code: 'unauthenticated', field: 'authorization' });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');

    const wrong = await call(admin.url, 'PUT', path, registration, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).message).toContain('not valid');

    const malformed = await call(admin.url, 'PUT', path, registration, { authorization: 's3cret' });
    expect(malformed.status).toBe(401);

    expect(admin.store.snapshot().services.size).toBe(0);
    expect((await call(admin.url, 'DELETE', path)).status).toBe(401);
    expect((await call(admin.url, 'POST', `${path}/heartbeat`)).status).toBe(401);

    const ok = await call(admin.url, 'PUT', path, registration, { authorization: 'Bearer s3cret' });
    expect(ok.status).toBe(200);
    // Reads stay open.
    expect((await call(admin.url, 'GET', '/v1/services')).status).toBe(200);
  });

  it('is checked before the body is parsed', async () => {
    admin = await startTestAdmin({ adminToken: 's3cret' });
    const result = await call(admin.url, 'PUT', '/v1/services/orders/instances/o-1', '{not json');
    expect(result.status).toBe(401);
  });

  it('is not required when none is configured', async () => {
    admin = await startTestAdmin();
    expect((await call(admin.url, 'PUT', '/v1/services/orders/instances/o-1', registration)).status).toBe(200);
  });

  it('can be required on a read that opts in', async () => {
    const secretRead: RouteDefinition = { method: 'GET', path: '/v1/secret', requiresToken: true, handler: () => jsonResponse(200, { ok: true }) };
    admin = await startTestAdmin({ adminToken: 't', extraRoutes: [secretRead] });
    expect((await call(admin.url, 'GET', '/v1/secret')).status).toBe(401);
    expect((await call(admin.url, 'GET', '/v1/secret', undefined, { authorization: 'Bearer t' })).status).toBe(200);
  });
});

describe('request bodies', () => {
  it('answers invalid JSON with 400 saying where', async () => {
    admin = await startTestAdmin();
    const result = await call(admin.url, 'PUT', '/v1/services/orders/instances/o-1', '{\n  "address": "10.0.0.1",\n  "port": 80,,\n}');
    expect(result.status).toBe(400);
    expect(errorOf(result)).toMatchObject({ code: 'invalid_argument', field: 'body' });
    expect(errorOf(result).message).toContain('line 3, column');
    expect(admin.store.snapshot().services.size).toBe(0);
  });

  it('refuses bodies over the limit with 413', async () => {
    admin = await startTestAdmin({ maxBodyBytes: 1024 });
    const big = { ...registration, labels: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, 'v'.repeat(30)])) };
    const result = await call(admin.url, 'PUT', '/v1/services/orders/instances/o-1', big);
    expect(result.status).toBe(413);
    expect(errorOf(result)).toMatchObject({ code: 'payload_too_large', field: 'body' });
    expect(admin.store.snapshot().services.size).toBe(0);
  });

  it('refuses an oversized chunked body without a content-length', async () => {
    admin = await startTestAdmin({ maxBodyBytes: 100 });
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${admin!.url}/v1/services/orders/instances/o-1`, { method: 'PUT' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.write('{"address":"10.0.0.1","port":80,"labels":{');
      request.end(`"k":"${'v'.repeat(200)}"}}`);
    });
    expect(status).toBe(413);
  });
});

describe('routing', () => {
  it('answers unknown paths with 404 and wrong methods with 405 and Allow', async () => {
    admin = await startTestAdmin();
    const missing = await call(admin.url, 'GET', '/v2/nothing');
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('not_found');

    const wrongMethod = await call(admin.url, 'POST', '/v1/services');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');

    const options = await call(admin.url, 'OPTIONS', '/v1/services/a/instances/b');
    expect(options.status).toBe(405);
    expect(options.headers.get('allow')).toBe('DELETE, PUT');
  });

  it('rejects malformed percent-encoding in a path parameter with 400', async () => {
    admin = await startTestAdmin();
    const result = await call(admin.url, 'GET', '/v1/services/%E0%A4%A');
    expect(result.status).toBe(400);
    expect(errorOf(result).field).toBe('service');
  });

  it('accepts a trailing slash and answers HEAD like GET without a body', async () => {
    admin = await startTestAdmin();
    expect((await call(admin.url, 'GET', '/v1/services/')).status).toBe(200);
    const head = await fetch(`${admin.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
  });

  it('composes route files, serves text bodies, and turns a throwing handler into a 500', async () => {
    const metricsRoutes = (): RouteDefinition[] => [
      { method: 'GET', path: '/metrics', handler: () => textResponse(200, 'switchyard_up 1\n', 'text/plain; version=0.0.4') },
      {
        method: 'GET',
        path: '/v1/broken',
        handler: () => {
          throw new Error('database on fire');
        },
      },
    ];
    admin = await startTestAdmin({ extraRoutes: metricsRoutes() });
    const metrics = await call(admin.url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(metrics.body).toBe('switchyard_up 1\n');

    const broken = await call(admin.url, 'GET', '/v1/broken');
    expect(broken.status).toBe(500);
    expect(errorOf(broken).code).toBe('internal');
    expect(errorOf(broken).message).not.toContain('database');
  });

  it('refuses to start with two routes for the same method and path', async () => {
    const route: RouteDefinition = { method: 'GET', path: '/x/{a}', handler: () => jsonResponse(200, {}) };
    await expect(
      startAdminServer({ host: '127.0.0.1', port: 0, logger: silentLogger, routes: [route, { ...route, path: '/x/{b}' }] }),
    ).rejects.toThrow('two admin routes for GET /x/{b}');
  });

  it('reports a busy port clearly', async () => {
    admin = await startTestAdmin();
    await expect(
      startAdminServer({ host: '127.0.0.1', port: admin.server.address.port, logger: silentLogger, routes: [] }),
    ).rejects.toThrow(`admin address 127.0.0.1:${admin.server.address.port} is already in use`);
  });
});
