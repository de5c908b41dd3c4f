// Secure by default (issue #13): a `switchyard serve` with no flags speaks TLS on its xDS port
// and serves only streams that prove their service; the proof, not node.cluster, picks the
// group; a revoked or expired credential ends the stream it opened. Each test is one attack,
// against a real serve process and real gRPC streams.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenAuthority } from '../../src/ca/tokens';
import { TypeUrl } from '../../src/proto/type-urls';
import { resourceNames, sotwClient, type SotwClient } from '../support/ads-client';
import { startServe, type ServeProcess } from '../support/serve-process';
import { bearer, caBundle, createToken, tlsCredentials, workloadCertificate } from '../support/xds-credentials';
import { spawnSync } from 'node:child_process';
import { BIN } from '../support/serve-process';

let serve: ServeProcess;
let bundle: Buffer;
const clients: SotwClient[] = [];

beforeAll(async () => {
  serve = await startServe([], { secureXds: true });
  bundle = await caBundle(serve.adminUrl);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await serve?.stop();
});

function open(service: string, opts: { token?: string; credentials?: grpc.ChannelCredentials; type?: string; names?: string[] } = {}): SotwClient {
  const c = sotwClient(serve.xdsAddress, bearer(opts.token), opts.credentials ?? tlsCredentials(bundle));
  clients.push(c);
  c.send({
    node: { id: `${service}-attacker`, cluster: service, user_agent_name: 'envoy' },
    type_url: opts.type ?? TypeUrl.Cluster,
    resource_names: opts.names ?? [],
  });
  return c;
}

async function outcome(c: SotwClient): Promise<{ served: string[] } | { code: number; details: string }> {
  return Promise.race([
    c.inbox.next(10_000).then((res) => ({ served: resourceNames(res) })),
    c.inbox.waitEnd(10_000).then((s) => ({ code: (s as grpc.StatusObject).code, details: (s as grpc.StatusObject).details })),
  ]);
}

describe('xDS access control, with no flags', () => {
  it('an anonymous stream claiming node.cluster orders is refused with UNAUTHENTICATED and sent nothing', async () => {
    const c = open('orders');
    const result = await outcome(c);
    expect(result).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect((result as { details: string }).details).toContain('xDS token');
    expect(c.inbox.count).toBe(0);
  });

  it('a spoofed node.cluster (a token for frontend, node.cluster orders) is PERMISSION_DENIED: no payments or db clusters leak', async () => {
    const { token } = await createToken(serve.adminUrl, 'frontend');
    const c = open('orders', { token });
    const result = await outcome(c);
    expect(result).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    expect((result as { details: string }).details).toContain('proves service "frontend" but node.cluster is "orders"');
    expect(c.inbox.count).toBe(0);
    // The same token with its own service is served frontend's view, which has no payments.
    const own = await outcome(open('frontend', { token }));
    expect('served' in own && own.served).toBeTruthy();
    expect((own as { served: string[] }).served.some((n) => n.startsWith('payments') || n.startsWith('db'))).toBe(false);
  });

  it('plaintext is refused by default', async () => {
    const { token } = await createToken(serve.adminUrl, 'orders');
    const c = open('orders', { token, credentials: grpc.credentials.createInsecure() });
    const result = await outcome(c);
    expect(result).toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(c.inbox.count).toBe(0);
  });

  it('a client certificate whose SPIFFE ID names orders proves orders; with node.cluster payments it is PERMISSION_DENIED', async () => {
    const { token } = await createToken(serve.adminUrl, 'orders');
    const identity = await workloadCertificate(serve.adminUrl, token);
    const served = await outcome(open('orders', { credentials: tlsCredentials(bundle, identity) }));
    expect((served as { served: string[] }).served).toContain('payments');
    const spoofed = await outcome(open('payments', { credentials: tlsCredentials(bundle, identity) }));
    expect(spoofed).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  it('a token for a service the mesh does not have cannot form a group', async () => {
    // Tokens are minted only for mesh services; sign one directly with the server's key.
    const tokens = TokenAuthority.open(path.join(serve.dataDir, 'ca'));
    const ghost = tokens.create('ghost', 60_000).token;
    const result = await outcome(open('ghost', { token: ghost }));
    expect(result).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    expect((result as { details: string }).details).toContain('not in the mesh');
  });
});

describe('stream lifetime', () => {
  it('revoking a token ends the SDS stream it opened, with UNAUTHENTICATED, within a second', async () => {
    const { token, id } = await createToken(serve.adminUrl, 'orders');
    const c = open('orders', { token, type: TypeUrl.Secret, names: ['default', 'ROOTCA'] });
    const secrets = await c.inbox.next(10_000);
    expect(resourceNames(secrets)).toEqual(['ROOTCA', 'default']);
    c.ack(secrets, ['default', 'ROOTCA']);
    const revoke = spawnSync(process.execPath, [BIN, 'token', 'revoke', id, '--admin-address', serve.adminUrl.replace('http://', '')], { encoding: 'utf8' });
    expect(revoke.status).toBe(0);
    const revokedAt = Date.now();
    const end = (await c.inbox.waitEnd(1000)) as grpc.StatusObject;
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(end.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(end.details).toContain('revoked');
  });

  it('a token that expires ends its stream with UNAUTHENTICATED', async () => {
    const tokens = TokenAuthority.open(path.join(serve.dataDir, 'ca'));
    const { token, claims } = tokens.create('orders', 2_000);
    const c = open('orders', { token, type: TypeUrl.Secret, names: ['default', 'ROOTCA'] });
    c.ack(await c.inbox.next(10_000), ['default', 'ROOTCA']);
    const end = (await c.inbox.waitEnd(5_000)) as grpc.StatusObject;
    expect(end.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(end.details).toContain('expired');
    expect(Date.now()).toBeGreaterThanOrEqual(claims.expiresAt);
    expect(Date.now() - claims.expiresAt).toBeLessThan(1000);
  });
});

describe('--insecure-xds', () => {
  it('is a choice that is logged: plaintext and anonymous are served only with it', async () => {
    const insecure = await startServe([]);
    try {
      expect(insecure.logs.some((l) => l.includes('"level":40') && l.includes('--insecure-xds'))).toBe(true);
      const c = sotwClient(insecure.xdsAddress);
      clients.push(c);
      c.send({ node: { id: 'orders-1', cluster: 'orders', user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
      expect(resourceNames(await c.inbox.next(10_000))).toContain('payments');
    } finally {
      await insecure.stop();
    }
  });
});
