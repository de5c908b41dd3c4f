// Root rotation through a running server: the SDS stream gets a certificate from the new root
// and a bundle with both roots; once it has ACKed, the old root leaves the bundle.
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../src/proto/codec';
import { TypeUrl } from '../../src/proto/type-urls';
import { sotwClient, type SotwClient } from '../support/ads-client';
import { adminJson, startServe, type ServeProcess } from '../support/serve-process';
import type { DiscoveryResponse__Output } from '../../src/generated/envoy/service/discovery/v3/DiscoveryResponse';

let serve: ServeProcess;
let client: SotwClient;

beforeAll(async () => {
  serve = await startServe(['--debounce', '20ms']);
});
afterAll(async () => {
  client?.close();
  await serve?.stop();
});

interface SecretMsg {
  name: string;
  tls_certificate?: { certificate_chain?: { inline_string?: string } };
  validation_context?: { trusted_ca?: { inline_string?: string } };
}

// What the proxy holds: SDS, like EDS and RDS, is incremental even in SotW (a secret left out of a
// response is unchanged), so each response updates this rather than replacing it.
const held = new Map<string, SecretMsg>();

function read(res: DiscoveryResponse__Output): { cert: X509Certificate; roots: number; bundle: string } {
  for (const a of res.resources) {
    const secret = decodeMessage<SecretMsg>(a.type_url, a.value);
    held.set(secret.name, secret);
  }
  const bundle = held.get('ROOTCA')!.validation_context!.trusted_ca!.inline_string!;
  const cert = new X509Certificate(held.get('default')!.tls_certificate!.certificate_chain!.inline_string!);
  return { cert, roots: bundle.match(/BEGIN CERTIFICATE/g)!.length, bundle };
}

describe('root rotation', () => {
  it('carries both roots until the proxy holds a new certificate, then drops the old one', async () => {
    const { token } = (await adminJson(serve.adminUrl, 'POST', '/v1/tokens', { service: 'orders' })).body as { token: string };
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    client = sotwClient(serve.xdsAddress, md);
    client.send({ node: { id: 'orders-1', cluster: 'orders', user_agent_name: 'envoy' }, type_url: TypeUrl.Secret, resource_names: ['default', 'ROOTCA'] });
    const first = await client.inbox.next(10_000);
    const before = read(first);
    expect(before.roots).toBe(1);
    client.ack(first, ['default', 'ROOTCA']);

    const rotated = await adminJson(serve.adminUrl, 'POST', '/v1/ca/rotate');
    expect(rotated.status).toBe(200);
    const duringRes = await client.inbox.next(10_000);
    const during = read(duringRes);
    expect(during.roots).toBe(2);
    expect(during.cert.serialNumber).not.toBe(before.cert.serialNumber);
    const newRoot = new X509Certificate(during.bundle);
    expect(during.cert.checkIssued(newRoot) || during.cert.verify(newRoot.publicKey)).toBe(true);
    // The old certificate still verifies against the two-root bundle: no handshake fails mid-way.
    expect(during.bundle).toContain(before.bundle.trim());

    // Until this proxy ACKs, the old root stays.
    await new Promise((r) => setTimeout(r, 1500));
    expect(((await adminJson(serve.adminUrl, 'GET', '/v1/ca')).body as { rotating: boolean }).rotating).toBe(true);
    client.ack(duringRes, ['default', 'ROOTCA']);
    const after = read(await client.inbox.next(10_000));
    expect(after.roots).toBe(1);
    expect(after.bundle).not.toContain(before.bundle.trim());
    expect(((await adminJson(serve.adminUrl, 'GET', '/v1/ca')).body as { rotating: boolean }).rotating).toBe(false);
  });
});
