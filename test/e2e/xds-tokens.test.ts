// xDS credentials on real streams: a token for another service is PERMISSION_DENIED, a forged,
// foreign or revoked one UNAUTHENTICATED; a stream without one is refused unless the operator
// chose --insecure-xds (the default requires proof; --require-xds-token is now a no-op).
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenAuthority } from '../../src/ca/tokens';
import { TypeUrl } from '../../src/proto/type-urls';
import { sotwClient } from '../support/ads-client';
import { caBundle, tlsCredentials } from '../support/xds-credentials';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { BIN, adminJson, startServe, type ServeProcess } from '../support/serve-process';

let serve: ServeProcess;
let strict: ServeProcess;
let strictCredentials: grpc.ChannelCredentials;

beforeAll(async () => {
  serve = await startServe([]);
  // No flags: TLS and proof required. (--require-xds-token is accepted for old scripts.)
  strict = await startServe(['--require-xds-token'], { secureXds: true });
  strictCredentials = tlsCredentials(await caBundle(strict.adminUrl));
});
afterAll(async () => {
  await serve?.stop();
  await strict?.stop();
});

async function token(base: string, service: string): Promise<string> {
  const res = await adminJson(base, 'POST', '/v1/tokens', { service, ttl: '1h' });
  expect(res.status).toBe(200);
  return (res.body as { token: string }).token;
}

/**
 * Opens a stream as `service` with an optional token; resolves to the end status or 'served'.
 * `details` receives the status message when the stream is refused.
 */
async function attempt(address: string, service: string, bearer?: string, details?: (message: string) => void): Promise<grpc.status | 'served'> {
  const md = new grpc.Metadata();
  if (bearer) md.set('authorization', `Bearer ${bearer}`);
  const c = sotwClient(address, md, address === strict.xdsAddress ? strictCredentials : undefined);
  try {
    c.send({ node: { id: `${service}-1`, cluster: service, user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
    const outcome = await Promise.race([
      c.inbox.next(10_000).then(() => 'served' as const),
      c.inbox.waitEnd(10_000).then((s) => {
        details?.((s as grpc.StatusObject).details);
        return (s as grpc.StatusObject).code;
      }),
    ]);
    return outcome;
  } finally {
    c.close();
  }
}

describe('xDS tokens on streams', () => {
  it("a valid token for the node's own service is served", async () => {
    expect(await attempt(serve.xdsAddress, 'orders', await token(serve.adminUrl, 'orders'))).toBe('served');
  });

  it("a token for another service is PERMISSION_DENIED: orders' token cannot open a payments stream", async () => {
    expect(await attempt(serve.xdsAddress, 'payments', await token(serve.adminUrl, 'orders'))).toBe(grpc.status.PERMISSION_DENIED);
  });

  it("an expired token, signed with the server's own key, is UNAUTHENTICATED", async () => {
    // serve keeps its token key in <data dir>/ca; the same key signs a token that expired an
    // hour ago and, as a control, one that is still valid.
    const signer = TokenAuthority.open(path.join(serve.dataDir, 'ca'));
    const expired = signer.create('orders', 60_000, Date.now() - 3_600_000).token;
    const current = signer.create('orders', 3_600_000).token;
    expect(await attempt(serve.xdsAddress, 'orders', current)).toBe('served');
    let reason = '';
    expect(await attempt(serve.xdsAddress, 'orders', expired, (m) => (reason = m))).toBe(grpc.status.UNAUTHENTICATED);
    expect(reason).toMatch(/^xDS token refused: token expired at /);
  });

  it('a forged or foreign token is UNAUTHENTICATED (it proves nothing), even under --insecure-xds', async () => {
    const real = await token(serve.adminUrl, 'orders');
    const [p, body, mac] = real.split('.') as [string, string, string];
    expect(await attempt(serve.xdsAddress, 'orders', `${p}.${body}.${mac.slice(1)}x`)).toBe(grpc.status.UNAUTHENTICATED);
    // Signed by another control plane's key.
    expect(await attempt(serve.xdsAddress, 'orders', await token(strict.adminUrl, 'orders'))).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('with --insecure-xds a stream without a token is served (anonymously); by default, UNAUTHENTICATED', async () => {
    expect(await attempt(serve.xdsAddress, 'orders')).toBe('served');
    expect(await attempt(strict.xdsAddress, 'orders')).toBe(grpc.status.UNAUTHENTICATED);
    expect(await attempt(strict.xdsAddress, 'orders', await token(strict.adminUrl, 'orders'))).toBe('served');
  });

  it('a revoked token is refused on new streams (switchyard token revoke)', async () => {
    const created = (await adminJson(serve.adminUrl, 'POST', '/v1/tokens', { service: 'orders' })).body as { token: string; id: string };
    expect(await attempt(serve.xdsAddress, 'orders', created.token)).toBe('served');
    const r = spawnSync(process.execPath, [BIN, 'token', 'revoke', created.id, '--admin-address', serve.adminUrl.replace('http://', '')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(await attempt(serve.xdsAddress, 'orders', created.token)).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('POST /v1/tokens rejects unknown services and bad TTLs with the field', async () => {
    const ghost = await adminJson(serve.adminUrl, 'POST', '/v1/tokens', { service: 'ghost' });
    expect(ghost.status).toBe(400);
    expect(ghost.body).toMatchObject({ error: { field: 'service' } });
    const ttl = await adminJson(serve.adminUrl, 'POST', '/v1/tokens', { service: 'orders', ttl: 'forever' });
    expect(ttl.body).toMatchObject({ error: { field: 'ttl' } });
  });
});
