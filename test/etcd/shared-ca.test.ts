// Replicas over etcd share one CA and one xDS token key: two replicas started at the same
// moment agree on one root (created once, with a transaction), a token minted on A works on
// B, a revocation on A is honoured by B, and both replicas' workload certificates chain to the
// same root. The root key is only ever in etcd sealed with the operator's key.
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_NAMES } from '../../src/model';
import { decodeMessage } from '../../src/proto/codec';
import { TypeUrl } from '../../src/proto/type-urls';
import { connectEtcd } from '../../src/etcd/client';
import { etcdKeys } from '../../src/etcd/keys';
import { sotwClient } from '../support/ads-client';
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
  const res = await fetch(`${replica.adminUrl}/v1/certificates`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  const body = (await res.json()) as { certificate?: string; trustBundle?: string };
  return { status: res.status, ...body };
}

async function caFacts(replica: ServeProcess): Promise<{ rotating: boolean; activeRoot: { fingerprint: string } }> {
  return (await adminJson(replica.adminUrl, 'GET', '/v1/ca')).body as { rotating: boolean; activeRoot: { fingerprint: string } };
}

function rootsIn(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
}

interface SecretMessage {
  name: string;
  validation_context?: { trusted_ca?: { inline_string?: string } };
}

/**
 * A raw SDS stream on `replica` as a frontend proxy (with frontend's token): it ACKs the secrets it is first sent, then
 * `rotationPush` reads (and never ACKs) responses until the next one carrying the trust bundle,
 * and returns that bundle.
 */
async function holdSecrets(replica: ServeProcess, nodeId: string): Promise<{ rotationPush(): Promise<string>; close(): void }> {
  // Secrets go only to a stream that proves its service with an xDS token.
  const minted = await adminJson(replica.adminUrl, 'POST', '/v1/tokens', { service: 'frontend' });
  expect(minted.status).toBe(200);
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${(minted.body as { token: string }).token}`);
  const stream = sotwClient(replica.xdsAddress, metadata);
  const names = [SECRET_NAMES.workload, SECRET_NAMES.trustBundle];
  stream.send({ node: { id: nodeId, cluster: 'frontend', user_agent_name: 'envoy' }, type_url: TypeUrl.Secret, resource_names: names });
  const first = await stream.inbox.next(10_000);
  stream.ack(first, names);
  return {
    rotationPush: async () => {
      for (;;) {
        const res = await stream.inbox.next(10_000);
        for (const any of res.resources) {
          const secret = decodeMessage<SecretMessage>(any.type_url, any.value);
          if (secret.name === SECRET_NAMES.trustBundle) return secret.validation_context?.trusted_ca?.inline_string ?? '';
        }
      }
    },
    close: () => stream.close(),
  };
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
    // A proxy on each replica that takes secrets and will not ACK the rotation's push: the
    // leader, whichever it is, cannot finish the rotation while one of its streams has not
    // ACKed, so the bundles below are read while the rotation is certainly under way.
    const holders = await Promise.all([holdSecrets(a, 'holder-a'), holdSecrets(b, 'holder-b')]);
    try {
      expect((await adminJson(b.adminUrl, 'POST', '/v1/ca/rotate')).status).toBeLessThan(300);
      // Each holder is pushed a bundle with both roots, and leaves it un-ACKed.
      for (const pushed of await Promise.all(holders.map((holder) => holder.rotationPush()))) {
        expect(rootsIn(pushed)).toHaveLength(2);
        expect(pushed).toContain(before.trim());
      }
      const rotatingBundles: string[] = [];
      for (const replica of [a, b]) {
        await eventually(async () => (await caFacts(replica)).rotating, 10_000, 'the replica is rotating');
        const bundle = (await adminJson(replica.adminUrl, 'GET', '/v1/ca/bundle')).body as string;
        // Still rotating after the read, so the bundle read was a mid-rotation bundle.
        const facts = await caFacts(replica);
        expect(facts.rotating).toBe(true);
        expect(rootsIn(bundle)).toHaveLength(2);
        expect(bundle).toContain(before.trim());
        expect(rootsIn(bundle).map((pem) => new X509Certificate(pem).fingerprint256)).toContain(facts.activeRoot.fingerprint);
        rotatingBundles.push(bundle);
      }
      expect(rotatingBundles[0]).toBe(rotatingBundles[1]);
    } finally {
      // The proxies leave; nothing now holds the rotation open.
      for (const holder of holders) holder.close();
    }
    for (const replica of [a, b]) {
      await eventually(async () => !((await adminJson(replica.adminUrl, 'GET', '/v1/ca')).body as { rotating: boolean }).rotating, 20_000, 'rotation finished');
    }
    const [afterA, afterB] = await Promise.all([adminJson(a.adminUrl, 'GET', '/v1/ca/bundle'), adminJson(b.adminUrl, 'GET', '/v1/ca/bundle')]);
    expect(afterA.body).toBe(afterB.body);
    expect(afterA.body).not.toBe(before);
  });
});
