import { afterEach, describe, expect, it } from 'vitest';
import { call, startTestAdmin, type TestAdmin } from './helpers';

let admin: TestAdmin | undefined;
afterEach(async () => {
  await admin?.close();
  admin = undefined;
});

describe('health routes', () => {
  it('answers /healthz with 200 and /readyz with every check when all pass', async () => {
    admin = await startTestAdmin({ checks: [{ name: 'registry', check: () => ({ ready: true, detail: 'revision 0' }) }] });
    expect(await call(admin.url, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await call(admin.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: [{ name: 'registry', ready: true, detail: 'revision 0' }] });
  });

  it('answers /readyz with 503 and the reason of each failing, throwing or hanging check', async () => {
    let caReady = false;
    admin = await startTestAdmin({
      checks: [
        { name: 'registry', check: () => ({ ready: true }) },
        { name: 'ca', check: () => (caReady ? { ready: true } : { ready: false, detail: 'no root certificate yet' }) },
        {
          name: 'config',
          check: () => {
            throw new Error('mesh.yaml:3:1: unknown key');
          },
        },
        { name: 'slow', check: () => new Promise(() => undefined) },
      ],
    });
    const result = await call(admin.url, 'GET', '/readyz');
    expect(result.status).toBe(503);
    expect(result.body).toEqual({
      status: 'not_ready',
      checks: [
        { name: 'registry', ready: true },
        { name: 'ca', ready: false, detail: 'no root certificate yet' },
        { name: 'config', ready: false, detail: 'check failed: mesh.yaml:3:1: unknown key' },
        { name: 'slow', ready: false, detail: 'check did not answer within 2000ms' },
      ],
    });
    caReady = true;
    expect((await call(admin.url, 'GET', '/readyz')).status).toBe(503);
  });
});
