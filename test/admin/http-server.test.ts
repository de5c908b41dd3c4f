import * as http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startAdminServer } from '../../src/admin/http-server';
import { access as routeAccess, jsonResponse, textResponse, type RouteDefinition } from '../../src/admin/route';
import { AccessControl } from '../../src/admin/acl';
import { MemoryAclStore } from '../../src/admin/acl-store';
import { call, errorOf, silentLogger, startTestAdmin, type TestAdmin } from './helpers';

let admin: TestAdmin | undefined;
afterEach(async () => {
  await admin?.close();
  admin = undefined;
});

const registration = { address: '10.0.1.1', port: 9090 };

describe('ACL tokens', () => {
  it('are required on writes and reads, and a refused write changes nothing', async () => {
    admin = await startTestAdmin({ adminToken: 'management-secret-for-tests' });
    const path = '/v1/services/orders/instances/orders-1';

    const missing = await call(admin.url, 'PUT', path, registration, { authorization: '' });
    expect(missing.status).toBe(401);
    expect(errorOf(missing)).toMatchObject({ code: 'unauthenticated', field: 'authorization' });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');

    const wrong = await call(admin.url, 'PUT', path, registration, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).message).toContain('not valid');

    const malformed = await call(admin.url, 'PUT', path, registration, { authorization: 'management-secret-for-tests' });
    expect(malformed.status).toBe(401);

    expect(admin.store.snapshot().services.size).toBe(0);
    expect((await call(admin.url, 'DELETE', path, undefined, { authorization: '' })).status).toBe(401);
    expect((await call(admin.url, 'POST', `${path}/heartbeat`, undefined, { authorization: '' })).status).toBe(401);
    expect((await call(admin.url, 'GET', '/v1/services', undefined, { authorization: '' })).status).toBe(401);

    const ok = await call(admin.url, 'PUT', path, registration, { authorization: 'Bearer management-secret-for-tests' });
    expect(ok.status).toBe(200);
    // Liveness and readiness stay open.
    expect((await call(admin.url, 'GET', '/healthz', undefined, { authorization: '' })).status).toBe(200);
  });

  it('are checked before the body is parsed', async () => {
    admin = await startTestAdmin();
    const result = await call(admin.url, 'PUT', '/v1/services/orders/instances/o-1', '{not json', { authorization: '' });
    expect(result.status).toBe(401);
  });

  it('grant only their rules: 403 names the missing rule', async () => {
    admin = await startTestAdmin();
    const { secret } = await admin.access.create('catalog-ci', ['service:write:catalog']);
    const as = { authorization: `Bearer ${secret}` };
    expect((await call(admin.url, 'PUT', '/v1/services/catalog/instances/c-1', registration, as)).status).toBe(200);
    const denied = await call(admin.url, 'PUT', '/v1/services/payments/instances/p-1', registration, as);
    expect(denied.status).toBe(403);
    expect(errorOf(denied)).toMatchObject({ code: 'permission_denied', field: 'authorization' });
    expect(errorOf(denied).message).toContain('"service:write:payments"');
    expect(errorOf(await call(admin.url, 'GET', '/v1/services', undefined, as)).message).toContain('"read"');
  });

  it('must be declared by every route: a route without an access rule stops the server from starting', async () => {
    const undeclared = { method: 'GET', path: '/v1/forgotten', handler: () => jsonResponse(200, {}) } as unknown as RouteDefinition;
    const access = new AccessControl(new MemoryAclStore());
    await expect(startAdminServer({ host: '127.0.0.1', port: 0, logger: silentLogger, access, routes: [undeclared] })).rejects.toThrow(
      'admin route GET /v1/forgotten declares no access rule',
    );
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
      const headers = { authorization: `Bearer ${admin!.adminToken}`, 'content-type': 'application/json' };
      const request = http.request(`${admin!.url}/v1/services/orders/instances/o-1`, { method: 'PUT', headers }, (response) => {
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
      { method: 'GET', path: '/metrics', access: routeAccess.rule('read'), handler: () => textResponse(200, 'switchyard_up 1\n', 'text/plain; version=0.0.4') },
      {
        method: 'GET',
        path: '/v1/broken',
        access: routeAccess.rule('read'),
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
    const route: RouteDefinition = { method: 'GET', path: '/x/{a}', access: routeAccess.rule('read'), handler: () => jsonResponse(200, {}) };
    await expect(
      startAdminServer({
        host: '127.0.0.1',
        port: 0,
        logger: silentLogger,
        access: new AccessControl(new MemoryAclStore()),
        routes: [route, { ...route, path: '/x/{b}' }],
      }),
    ).rejects.toThrow('two admin routes for GET /x/{b}');
  });

  it('reports a busy port clearly', async () => {
    admin = await startTestAdmin();
    await expect(
      startAdminServer({ host: '127.0.0.1', port: admin.server.address.port, logger: silentLogger, access: admin.access, routes: [] }),
    ).rejects.toThrow(`admin address 127.0.0.1:${admin.server.address.port} is already in use`);
  });
});
