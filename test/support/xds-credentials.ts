// What a test client needs to reach a secure-by-default xDS port: the CA bundle to trust the
// listener, and an xDS token (or a workload certificate) to prove its service.
import * as grpc from '@grpc/grpc-js';
import { expect } from 'vitest';
import { adminFetch, adminJson } from './serve-process';

export async function caBundle(adminUrl: string): Promise<Buffer> {
  const res = await adminFetch(`${adminUrl}/v1/ca/bundle`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.text());
}

/** TLS trusting the mesh CA; with `identity`, also presenting that client certificate. */
export function tlsCredentials(bundle: Buffer, identity?: { certificate: string; privateKey: string }): grpc.ChannelCredentials {
  return identity
    ? grpc.credentials.createSsl(bundle, Buffer.from(identity.privateKey), Buffer.from(identity.certificate))
    : grpc.credentials.createSsl(bundle);
}

export async function createToken(adminUrl: string, service: string, ttl = '1h'): Promise<{ token: string; id: string }> {
  const res = await adminJson(adminUrl, 'POST', '/v1/tokens', { service, ttl });
  expect(res.status).toBe(200);
  return res.body as { token: string; id: string };
}

export function bearer(token: string | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return md;
}

/** A workload certificate for `service`, fetched with its xDS token as `switchyard agent` does. */
export async function workloadCertificate(adminUrl: string, token: string): Promise<{ certificate: string; privateKey: string; trustBundle: string }> {
  const res = await fetch(`${adminUrl}/v1/certificates`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { certificate: string; privateKey: string; trustBundle: string };
}
