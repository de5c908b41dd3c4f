// One test per attack on the admin API, each against a real `switchyard serve` process on its
// defaults (no security flags): what used to succeed with no credential, or from a web page,
// or with a token scoped to another service, must now be refused.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, startServe, tempDir, type ServeProcess } from '../support/serve-process';

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; field: string | null } } & Record<string, unknown>;
}

async function send(base: string, method: string, pathname: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const res = await fetch(`${base}${pathname}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

/** The CLI as a user runs it; `env` replaces the inherited test management token when given. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000, ...(cwd && { cwd }) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
const registration = JSON.stringify({ address: '10.9.9.9', port: 8080 });

describe('the admin API on a default serve', () => {
  let serve: ServeProcess;
  let address: string;
  /** The management token the server generated into its data dir (no --admin-token: the true default). */
  let mgmt = '';
  const asAdmin = () => ({ SWITCHYARD_ADMIN_TOKEN: mgmt });
  beforeAll(async () => {
    serve = await startServe([], { env: { SWITCHYARD_ADMIN_TOKEN: '' } });
    address = serve.adminUrl.replace('http://', '');
    const file = path.join(serve.dataDir, 'admin-token');
    mgmt = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : 'no-management-token-file';
  });
  afterAll(async () => {
    await serve?.stop();
  });

  it('refuses to mint an xDS token without a credential, so no certificate and key can be had either', async () => {
    const mint = await send(serve.adminUrl, 'POST', '/v1/tokens', { 'content-type': 'application/json' }, JSON.stringify({ service: 'payments' }));
    expect(mint.status).toBe(401);
    expect(mint.body.error).toMatchObject({ code: 'unauthenticated', field: 'authorization' });
    expect(mint.body).not.toHaveProperty('token');
    // Certificates are only for a workload's own xDS token: none, or an ACL token, gets nothing.
    const none = await send(serve.adminUrl, 'POST', '/v1/certificates', { 'content-type': 'application/json' }, '{}');
    expect(none.status).toBe(401);
    expect(none.body).not.toHaveProperty('privateKey');
    const acl = await send(serve.adminUrl, 'POST', '/v1/certificates', json(mgmt), '{}');
    expect(acl.status).toBe(403);
    expect(acl.body).not.toHaveProperty('privateKey');
  });

  it('refuses a text/plain POST (a cross-site form or no-cors fetch) even with a valid token', async () => {
    const r = await send(
      serve.adminUrl,
      'POST',
      '/v1/tokens',
      { 'content-type': 'text/plain', authorization: `Bearer ${mgmt}` },
      JSON.stringify({ service: 'payments' }),
    );
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 'permission_denied', field: 'content-type' });
  });

  it('refuses a foreign Host (DNS rebinding) even with a valid token', async () => {
    // fetch will not send a forged Host; node:http will, as a rebound browser effectively does.
    const { request } = await import('node:http');
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host, port, method: 'POST', path: '/v1/tokens', headers: { host: `evil.example:${port}`, ...json(mgmt) } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ service: 'payments' }));
    });
    expect(status.status).toBe(403);
    expect(JSON.parse(status.body)).toMatchObject({ error: { code: 'permission_denied', field: 'host' } });
  });

  it('refuses a foreign Origin even with a valid token', async () => {
    const r = await send(serve.adminUrl, 'POST', '/v1/tokens', { ...json(mgmt), origin: 'http://evil.example' }, JSON.stringify({ service: 'payments' }));
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 'permission_denied', field: 'origin' });
    // The same request from no page at all (the CLI, curl) is fine.
    expect((await send(serve.adminUrl, 'POST', '/v1/tokens', json(mgmt), JSON.stringify({ service: 'payments' }))).status).toBe(200);
  });

  it('lets a service:write:catalog token register catalog, and not take a share of payments', async () => {
    const created = cli(['acl', 'token', 'create', '--name', 'catalog-ci', '--rule', 'service:write:catalog', '--admin-address', address], asAdmin());
    expect(created.code, created.stderr).toBe(0);
    const catalogToken = created.stdout.trim();
    const payments = await send(serve.adminUrl, 'PUT', '/v1/services/payments/instances/x', json(catalogToken), registration);
    expect(payments.status).toBe(403);
    expect(payments.body.error!.message).toContain('"service:write:payments"');
    const catalog = await send(serve.adminUrl, 'PUT', '/v1/services/catalog/instances/x', json(catalogToken), registration);
    expect(catalog.status).toBe(200);
    const services = await send(serve.adminUrl, 'GET', '/v1/services/payments', json(mgmt));
    expect(JSON.stringify(services.body)).not.toContain('10.9.9.9');
  });

  it('refuses the proxy list and config dumps without read', async () => {
    for (const pathname of ['/v1/proxies', '/v1/proxies/frontend-1/config', '/v1/services', '/metrics']) {
      expect((await send(serve.adminUrl, 'GET', pathname, {})).status, pathname).toBe(401);
    }
    const created = await send(serve.adminUrl, 'POST', '/v1/acl/tokens', json(mgmt), JSON.stringify({ name: 'writer-only', rules: ['service:write:orders'] }));
    const writer = String(created.body.secret);
    const denied = await send(serve.adminUrl, 'GET', '/v1/proxies', { authorization: `Bearer ${writer}` });
    expect(denied.status).toBe(403);
    expect(denied.body.error!.message).toContain('"read"');
    expect((await send(serve.adminUrl, 'GET', '/v1/proxies/frontend-1/config', { authorization: `Bearer ${writer}` })).status).toBe(403);
    // Probes stay open.
    expect((await send(serve.adminUrl, 'GET', '/healthz', {})).status).toBe(200);
    expect((await send(serve.adminUrl, 'GET', '/readyz', {})).status).toBe(200);
  });

  it('refuses a revoked ACL token; list never shows secrets', async () => {
    const created = cli(['acl', 'token', 'create', '--name', 'short-lived', '--rule', 'read', '--admin-address', address], asAdmin());
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect((await send(serve.adminUrl, 'GET', '/v1/proxies', { authorization: `Bearer ${secret}` })).status).toBe(200);
    const listed = cli(['acl', 'token', 'list', '--json', '--admin-address', address], asAdmin());
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('short-lived');
    expect(listed.stdout).not.toContain(secret);
    expect(listed.stdout).not.toMatch(/secret|hash/);
    const revoked = cli(['acl', 'token', 'revoke', 'short-lived', '--admin-address', address], asAdmin());
    expect(revoked.code, revoked.stderr).toBe(0);
    const after = await send(serve.adminUrl, 'GET', '/v1/proxies', { authorization: `Bearer ${secret}` });
    expect(after.status).toBe(401);
  });
});

describe('the management token file', () => {
  it('is written 0600 on first start, found by the CLI through --data-dir, and survives a restart', async () => {
    const dataDir = tempDir();
    const noToken = { SWITCHYARD_ADMIN_TOKEN: '' };
    let serve = await startServe([], { dataDir, env: noToken });
    try {
      const file = path.join(dataDir, 'admin-token');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const secret = fs.readFileSync(file, 'utf8').trim();
      const address = serve.adminUrl.replace('http://', '');
      const found = cli(['status', '--admin-address', address, '--data-dir', dataDir], noToken);
      expect(found.code, found.stderr).toBe(0);
      expect(found.stdout).toContain('NODE');
      // From elsewhere, with no data dir to read, the same command is refused as unauthenticated.
      const elsewhere = cli(['status', '--admin-address', address], noToken, tempDir());
      expect(elsewhere.code).toBe(2);
      expect(elsewhere.stderr).toContain('needs an ACL token');
      // An ACL token persists across a restart; the management secret stays the same.
      const created = cli(['acl', 'token', 'create', '--name', 'kept', '--rule', 'read', '--admin-address', address, '--data-dir', dataDir], noToken);
      expect(created.code, created.stderr).toBe(0);
      await serve.stop();
      serve = await startServe([], { dataDir, env: noToken });
      expect(fs.readFileSync(file, 'utf8').trim()).toBe(secret);
      expect((await send(serve.adminUrl, 'GET', '/v1/proxies', { authorization: `Bearer ${created.stdout.trim()}` })).status).toBe(200);
      // The file holds no other token's secret, and the ACL store no secret at all.
      expect(fs.readFileSync(path.join(dataDir, 'acl', 'tokens.json'), 'utf8')).not.toContain(created.stdout.trim());
      expect(fs.readFileSync(path.join(dataDir, 'acl', 'tokens.json'), 'utf8')).not.toContain(secret);
    } finally {
      await serve.stop();
    }
  });
});

describe('exposure', () => {
  it('refuses to bind the admin API off loopback without TLS, unless --insecure-admin', async () => {
    const r = spawnSync(process.execPath, [BIN, 'serve', '--data-dir', tempDir(), '--xds-address', '127.0.0.1:0', '--admin-address', '0.0.0.0:0'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--admin-tls');
    expect(r.stderr).toContain('--insecure-admin');
    // Asked for explicitly, it starts, with a warning in the log.
    const insecure = await startServe(['--admin-address', '0.0.0.0:0', '--insecure-admin']);
    try {
      expect(insecure.logs.join('\n')).toContain('without TLS (--insecure-admin)');
    } finally {
      await insecure.stop();
    }
  });

  it('serves HTTPS with --admin-tls, and the CLI works end to end with the data dir or --admin-ca', async () => {
    const dataDir = tempDir();
    const serve = await startServe(['--admin-tls'], { dataDir });
    try {
      expect(serve.adminUrl).toMatch(/^https:/);
      const address = serve.adminUrl.replace('https://', '');
      // Plain HTTP to the TLS port gets no answer from the API.
      await expect(fetch(`http://${address}/healthz`)).rejects.toThrow();
      const status = cli(['status', '--admin-address', address, '--admin-tls', '--data-dir', dataDir]);
      expect(status.code, status.stderr).toBe(0);
      const token = cli(['token', 'create', '--service', 'catalog', '--admin-address', `https://${address}`, '--admin-ca', path.join(dataDir, 'admin-ca.pem')]);
      expect(token.code, token.stderr).toBe(0);
      expect(token.stdout.trim()).toMatch(/^syt1\./);
      const certs = tempDir();
      const agent = cli([
        'agent',
        '--service',
        'catalog',
        '--out',
        certs,
        '--once',
        '--token',
        token.stdout.trim(),
        '--admin-address',
        address,
        '--admin-tls',
        '--data-dir',
        dataDir,
      ]);
      expect(agent.code, agent.stderr).toBe(0);
      expect(fs.statSync(path.join(certs, 'key.pem')).mode & 0o777).toBe(0o600);
      const register = cli([
        'register',
        'catalog',
        'c-tls',
        '--address',
        '10.0.0.8',
        '--port',
        '80',
        '--admin-address',
        address,
        '--admin-tls',
        '--data-dir',
        dataDir,
      ]);
      expect(register.code, register.stderr).toBe(0);
      // Without our CA the client does not trust the server.
      const untrusted = cli(['status', '--admin-address', address, '--admin-tls'], {}, tempDir());
      expect(untrusted.code).toBe(1);
    } finally {
      await serve.stop();
    }
  });
});
