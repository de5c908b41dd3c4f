// Replicas over etcd share one CA and one xDS token key: two replicas started at the same
// moment agree on one root (created once, with a transaction), a token minted on A works on
// B, a revocation on A is honoured by B, and both replicas' workload certificates chain to the
// same root. The root key is only ever in etcd sealed with the operator's key.
import { X509Certificate } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd } from '../../src/registry/etcd-client';
import { etcdKeys } from '../../src/registry/etcd-keys';
import { startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { adminJson, startServe, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';
import { openHttpMesh, startReplica, uniquePrefix, writeMesh } from './replicas';

const MESH = openHttpMesh({ frontend: undefined, catalog: undefined }, 'strict');

let etcd: EtcdCluster;
let client: Etcd3;
let prefix: string;
let mesh: string;
let a: ServeProcess;
let b: ServeProcess;

async function certificateFrom(replica: ServeProcess, token: string): Promise<{ status: number; certificate?: string; trustBundle?: string }> {
  const res = await fetch(`${replica.adminUrl}/v1/certificates`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  const body = (await res.json()) as { certificate?: string; trustBundle?: string };
  return { status: res.status, ...body };
}

beforeAll(async () => {
  etcd = await startEtcd(1);
  client = connectEtcd({ endpoints: etcd.endpoints });
  prefix = uniquePrefix();
  mesh = writeMesh(MESH);
  // Both at once: the root is created by exactly one of them.
  [a, b] = await Promise.all([startReplica(etcd, prefix, ['--config', mesh]), startReplica(etcd, prefix, ['--config', mesh])]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  client?.close();
  await etcd?.close();
});

describe('a CA and token key shared through etcd', () => {
  it('two replicas started together agree on one root, stored with its key sealed', async () => {
    const [bundleA, bundleB] = await Promise.all([adminJson(a.adminUrl, 'GET', '/v1/ca/bundle'), adminJson(b.adminUrl, 'GET', '/v1/ca/bundle')]);
    expect(bundleA.status).toBe(200);
    expect(bundleA.body).toBe(bundleB.body);
    const stored = await client.get(`${etcdKeys(prefix).caPrefix}root`).string();
    expect(stored).toContain('BEGIN CERTIFICATE');
    expect(stored).not.toContain('PRIVATE KEY');
    expect(await client.get(`${etcdKeys(prefix).caPrefix}token-key`).string()).toMatch(/^sk1\./);
  });

  it('a token minted on A works on B, and both replicas issue certificates that chain to the same root', async () => {
    const minted = await adminJson(a.adminUrl, 'POST', '/v1/tokens', { service: 'frontend' });
    expect(minted.status).toBe(200);
    const { token } = minted.body as { token: string; id: string };
    const fromB = await certificateFrom(b, token);
    const fromA = await certificateFrom(a, token);
    expect(fromB.status).toBe(200);
    expect(fromA.status).toBe(200);
    const root = new X509Certificate((await adminJson(a.adminUrl, 'GET', '/v1/ca/bundle')).body as string);
    for (const pem of [fromA.certificate!, fromB.certificate!]) {
      const cert = new X509Certificate(pem);
      expect(cert.verify(root.publicKey)).toBe(true);
      expect(cert.checkIssued(root)).toBe(true);
      expect(cert.subjectAltName).toContain('spiffe://switchyard.local/svc/frontend');
    }
    // Each replica issues its own workload certificate (same root, different key and serial).
    expect(fromA.certificate).not.toBe(fromB.certificate);
  });

  it('a token revoked on A is refused by B', async () => {
    const minted = (await adminJson(a.adminUrl, 'POST', '/v1/tokens', { service: 'catalog' })).body as { token: string; id: string };
    expect((await certificateFrom(b, minted.token)).status).toBe(200);
    expect((await adminJson(a.adminUrl, 'DELETE', `/v1/tokens/${minted.id}`)).status).toBe(204);
    await eventually(async () => (await certificateFrom(b, minted.token)).status === 403, 10_000, 'B refuses the revoked token');
  });

  it('an ACL token created on A works on B, a revocation on B is refused by A, and etcd holds no secret', async () => {
    const created = await adminJson(a.adminUrl, 'POST', '/v1/acl/tokens', { name: 'shared-reader', rules: ['read'] });
    expect(created.status).toBe(200);
    const secret = (created.body as { secret: string }).secret;
    const read = (url: string) => fetch(`${url}/v1/proxies`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status);
    await eventually(async () => (await read(b.adminUrl)) === 200, 10_000, 'B honours the token A created');
    const stored = await client.getAll().prefix(`${prefix}acl/`).strings();
    expect(Object.keys(stored).some((k) => k.startsWith(`${prefix}acl/tokens/`))).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect((await adminJson(b.adminUrl, 'DELETE', '/v1/acl/tokens/shared-reader')).status).toBe(200);
    await eventually(async () => (await read(a.adminUrl)) === 401, 10_000, 'A refuses the token revoked on B');
  });

  it('a replica given a different encryption key refuses to start, saying why', async () => {
    const other = Buffer.alloc(32, 9).toString('base64');
    const failed = await startServe(['--registry', 'etcd', '--etcd-endpoints', etcd.endpointsFlag, '--etcd-prefix', prefix, '--config', mesh], {
      env: { SWITCHYARD_CA_ENCRYPTION_KEY: other },
    }).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(failed).toMatch(/cannot decrypt/);
  });

  it('a rotation started on B reaches A: both bundles carry both roots, then A (or B) as leader finishes it', async () => {
    const before = (await adminJson(a.adminUrl, 'GET', '/v1/ca/bundle')).body as string;
    expect((await adminJson(b.adminUrl, 'POST', '/v1/ca/rotate')).status).toBeLessThan(300);
    await eventually(async () => ((await adminJson(a.adminUrl, 'GET', '/v1/ca')).body as { rotating: boolean }).rotating, 10_000, 'A adopted the rotation');
    const rotatingBundle = (await adminJson(a.adminUrl, 'GET', '/v1/ca/bundle')).body as string;
    expect(rotatingBundle).toContain(before.trim());
    // With no proxies holding secrets, the leader finishes at once; both replicas follow.
    for (const replica of [a, b]) {
      await eventually(async () => !((await adminJson(replica.adminUrl, 'GET', '/v1/ca')).body as { rotating: boolean }).rotating, 20_000, 'rotation finished');
    }
    const [afterA, afterB] = await Promise.all([adminJson(a.adminUrl, 'GET', '/v1/ca/bundle'), adminJson(b.adminUrl, 'GET', '/v1/ca/bundle')]);
    expect(afterA.body).toBe(afterB.body);
    expect(afterA.body).not.toBe(before);
  });
});
