import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDeregister, runRegister } from '../../src/cli/register';
import { startTestAdmin, type TestAdmin } from './helpers';

interface Captured {
  readonly io: { stdout: (s: string) => void; stderr: (s: string) => void };
  readonly out: string[];
  readonly err: string[];
}

function capture(): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s) => out.push(s), stderr: (s) => err.push(s) }, out, err };
}

let admin: TestAdmin;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  admin = await startTestAdmin({ adminToken: 'tok' });
  // Only the variables under test: the developer's own SWITCHYARD_* must not leak in.
  env = { SWITCHYARD_ADMIN_ADDRESS: admin.url.replace('http://', ''), SWITCHYARD_ADMIN_TOKEN: 'tok' };
});
afterEach(async () => {
  await admin.close();
});

function instance(service: string, id: string) {
  return admin.store
    .snapshot()
    .services.get(service)
    ?.find((i) => i.id === id);
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An HTTP listener on loopback that records each request (method and path) and answers 500. */
async function countingServer(): Promise<{ address: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('switchyard register / deregister', () => {
  it('registers with every flag and exits 0', async () => {
    const c = capture();
    const code = await runRegister(
      [
        'catalog',
        'catalog-1',
        '--address',
        '10.0.0.5',
        '--port',
        '8080',
        '--label',
        'version=v1',
        '--label',
        'tier=web',
        '--weight',
        '20',
        '--zone',
        'zone-a',
        '--ttl',
        '30s',
      ],
      c.io,
      env,
    );
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(c.out.join('\n')).toContain('registered catalog/catalog-1 at 10.0.0.5:8080');
    expect(instance('catalog', 'catalog-1')).toMatchObject({ labels: { tier: 'web', version: 'v1' }, weight: 20, zone: 'zone-a', ttlMs: 30_000 });
  });

  it('takes --admin-address and --admin-token over the environment', async () => {
    // The environment names a port nobody listens on and a token the server refuses: only the
    // flags lead to a registration, so the environment read first would fail this.
    const wrongEnv = { SWITCHYARD_ADMIN_ADDRESS: `127.0.0.1:${await closedPort()}`, SWITCHYARD_ADMIN_TOKEN: 'wrong' };
    const c = capture();
    const args = ['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80', '--admin-address', env.SWITCHYARD_ADMIN_ADDRESS!, '--admin-token', 'tok'];
    expect(await runRegister(args, c.io, wrongEnv)).toBe(0);
    expect(c.err).toEqual([]);
    expect(instance('catalog', 'c-1')).toMatchObject({ address: '10.0.0.5', port: 80 });

    // Each flag on its own wins over its variable, too.
    const tokenOnly = capture();
    const tokenArgs = ['catalog', 'c-2', '--address', '10.0.0.6', '--port', '80', '--admin-token', 'tok'];
    expect(await runRegister(tokenArgs, tokenOnly.io, { ...env, SWITCHYARD_ADMIN_TOKEN: 'wrong' })).toBe(0);
    const addressOnly = capture();
    const addressArgs = ['catalog', 'c-3', '--address', '10.0.0.7', '--port', '80', '--admin-address', env.SWITCHYARD_ADMIN_ADDRESS!];
    expect(await runRegister(addressArgs, addressOnly.io, { ...env, SWITCHYARD_ADMIN_ADDRESS: wrongEnv.SWITCHYARD_ADMIN_ADDRESS })).toBe(0);
    expect([instance('catalog', 'c-2')?.address, instance('catalog', 'c-3')?.address]).toEqual(['10.0.0.6', '10.0.0.7']);
  });

  it('exits 2 with the server message and the flag when the server refuses the input', async () => {
    const c = capture();
    const code = await runRegister(['catalog', 'c-1', '--address', '10.0.0.300', '--port', '80'], c.io, env);
    expect(code).toBe(2);
    expect(c.err.join('\n')).toMatch(/^switchyard register: --address: address "10\.0\.0\.300" is not .* \(HTTP 400\)$/);
    expect(instance('catalog', 'c-1')).toBeUndefined();

    const ttl = capture();
    expect(await runRegister(['catalog', 'c-1', '--address', '10.0.0.3', '--port', '80', '--ttl', '100h'], ttl.io, env)).toBe(2);
    expect(ttl.err.join('\n')).toContain('--ttl: ttl must be from 1s to 24h');

    const label = capture();
    expect(await runRegister(['catalog', 'c-1', '--address', '10.0.0.3', '--port', '80', '--label', 'bad key=x'], label.io, env)).toBe(2);
    expect(label.err.join('\n')).toContain('--label (labels.bad key)');

    const name = capture();
    expect(await runRegister(['Catalog', 'c-1', '--address', '10.0.0.3', '--port', '80'], name.io, env)).toBe(2);
    expect(name.err.join('\n')).toContain('argument SERVICE');
  });

  it('exits 2 on a wrong admin token', async () => {
    const c = capture();
    const code = await runRegister(['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80'], c.io, { ...env, SWITCHYARD_ADMIN_TOKEN: 'wrong' });
    expect(code).toBe(2);
    expect(c.err.join('\n')).toContain('--admin-token: the ACL token is not valid (unknown, mistyped or revoked) (HTTP 401)');
  });

  it.each<[string, string[], string]>([
    ['missing ID', ['catalog', '--address', '10.0.0.5', '--port', '80'], 'expected SERVICE and ID'],
    ['extra argument', ['catalog', 'c-1', 'x', '--address', '10.0.0.5', '--port', '80'], 'unexpected argument "x"'],
    ['missing --address', ['catalog', 'c-1', '--port', '80'], '--address is required'],
    ['missing --port', ['catalog', 'c-1', '--address', '10.0.0.5'], '--port is required'],
    ['non-numeric --port', ['catalog', 'c-1', '--address', '10.0.0.5', '--port', 'http'], '--port: expected a whole number, got "http"'],
    ['non-numeric --weight', ['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80', '--weight', '1.5'], '--weight: expected a whole number'],
    ['label without =', ['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80', '--label', 'v1'], '--label: expected KEY=VALUE, got "v1"'],
    ['repeated label', ['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80', '--label', 'a=1', '--label', 'a=2'], '--label: "a" is given twice'],
    ['unknown flag', ['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80', '--colour', 'red'], '--colour'],
    ['bad --admin-address', ['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80', '--admin-address', 'localhost'], '--admin-address: expected HOST:PORT'],
  ])('exits 2 on bad usage: %s, without calling the server', async (_name, args, message) => {
    // The environment points at a listener that counts every HTTP request made to it.
    const counter = await countingServer();
    try {
      const c = capture();
      expect(await runRegister(args, c.io, { ...env, SWITCHYARD_ADMIN_ADDRESS: counter.address })).toBe(2);
      expect(c.err.join('\n')).toContain(message);
      expect(c.err.join('\n')).toMatch(/^switchyard register: /);
      expect(counter.requests).toEqual([]);
      expect(admin.store.snapshot().services.size).toBe(0);
    } finally {
      await counter.close();
    }
  });

  it('the request counter used above does see a request the CLI makes', async () => {
    // Without this, an empty count could mean the counter is never reached.
    const counter = await countingServer();
    try {
      const c = capture();
      expect(await runRegister(['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80'], c.io, { ...env, SWITCHYARD_ADMIN_ADDRESS: counter.address })).toBe(
        1,
      );
      expect(counter.requests).toEqual(['PUT /v1/services/catalog/instances/c-1']);
    } finally {
      await counter.close();
    }
  });

  it('exits 1 when the admin API cannot be reached', async () => {
    const c = capture();
    const port = await closedPort();
    const code = await runRegister(['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80'], c.io, { SWITCHYARD_ADMIN_ADDRESS: `127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(c.err.join('\n')).toContain(`cannot reach the admin API at http://127.0.0.1:${port}`);
    expect(c.err.join('\n')).toContain('ECONNREFUSED');
  });

  it('exits 1 when the server fails with a 5xx', async () => {
    await admin.store.close();
    const c = capture();
    expect(await runRegister(['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80'], c.io, env)).toBe(1);
    expect(c.err.join('\n')).toContain('(HTTP 503)');
  });

  it('deregisters, and exits 2 for an instance the server does not know', async () => {
    const c = capture();
    expect(await runRegister(['catalog', 'c-1', '--address', '10.0.0.5', '--port', '80'], c.io, env)).toBe(0);
    const d = capture();
    expect(await runDeregister(['catalog', 'c-1'], d.io, env)).toBe(0);
    expect(d.out).toEqual(['deregistered catalog/c-1']);
    expect(instance('catalog', 'c-1')).toBeUndefined();

    const again = capture();
    expect(await runDeregister(['catalog', 'c-1'], again.io, env)).toBe(2);
    expect(again.err.join('\n')).toContain('argument ID: service catalog has no instance c-1 (HTTP 404)');
  });

  it('prints usage for --help and exits 0', async () => {
    const c = capture();
    expect(await runRegister(['--help'], c.io, env)).toBe(0);
    expect(c.out.join('\n')).toContain('usage: switchyard register SERVICE ID --address A --port P');
    const d = capture();
    expect(await runDeregister(['--help'], d.io, env)).toBe(0);
    expect(d.out.join('\n')).toContain('usage: switchyard deregister SERVICE ID');
  });
});
