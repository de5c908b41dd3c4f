// Secrets over SDS go only to a stream that proved its service: a token for orders yields
// orders' certificate and key and nothing else; no token, no key.
import * as grpc from '@grpc/grpc-js';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../src/proto/codec';
import { TypeUrl } from '../../src/proto/type-urls';
import { sotwClient, type SotwClient } from '../support/ads-client';
import { BIN, adminJson, startServe, type ServeProcess } from '../support/serve-process';
import { spawnSync } from 'node:child_process';

let serve: ServeProcess;
const clients: SotwClient[] = [];

beforeAll(async () => {
  serve = await startServe([]);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await serve?.stop();
});

interface SecretMsg {
  name: string;
  tls_certificate?: { certificate_chain?: { inline_string?: string }; private_key?: { inline_string?: string } };
  validation_context?: { trusted_ca?: { inline_string?: string } };
}

function connect(service: string, token?: string): SotwClient {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  const c = sotwClient(serve.xdsAddress, md);
  clients.push(c);
  c.send({ node: { id: `${service}-1`, cluster: service, user_agent_name: 'envoy' }, type_url: TypeUrl.Secret, resource_names: ['default', 'ROOTCA'] });
  return c;
}

describe('SDS', () => {
  it("a stream proving orders gets orders' certificate and key, never another service's", async () => {
    const { token } = (await adminJson(serve.adminUrl, 'POST', '/v1/tokens', { service: 'orders' })).body as { token: string };
    const c = connect('orders', token);
    const res = await c.inbox.next(10_000);
    const secrets = res.resources.map((a) => decodeMessage<SecretMsg>(a.type_url, a.value));
    expect(secrets.map((s) => s.name).sort()).toEqual(['ROOTCA', 'default']);
    const own = secrets.find((s) => s.name === 'default')!;
    const cert = new X509Certificate(own.tls_certificate!.certificate_chain!.inline_string!);
    expect(cert.subjectAltName).toBe('URI:spiffe://switchyard.local/svc/orders');
    const key = createPrivateKey(own.tls_certificate!.private_key!.inline_string!);
    expect(createPublicKey(key).export({ format: 'pem', type: 'spki' })).toBe(cert.publicKey.export({ format: 'pem', type: 'spki' }));
    const bundle = secrets.find((s) => s.name === 'ROOTCA')!.validation_context!.trusted_ca!.inline_string!;
    expect(cert.verify(new X509Certificate(bundle).publicKey)).toBe(true);

    // The admin API's config dump never shows the key.
    const dump = spawnSync(process.execPath, [BIN, 'config-dump', 'orders-1', '--admin-address', serve.adminUrl.replace('http://', '')], { encoding: 'utf8' });
    expect(dump.stdout).toContain('[redacted]');
    expect(dump.stdout).not.toContain('PRIVATE KEY');
  });

  it('no token, no key: an anonymous stream gets no secrets and no references to them', async () => {
    const c = connect('payments');
    expect(await c.inbox.quiet(800)).toBe(true);
    c.send({ type_url: TypeUrl.Cluster });
    const cds = await c.inbox.next(10_000);
    const text = JSON.stringify(cds.resources.map((a) => decodeMessage(a.type_url, a.value)));
    expect(text).not.toContain('sds_config');
    expect(text).not.toContain('PRIVATE KEY');
  });
});
