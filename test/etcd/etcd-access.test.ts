// The CA in etcd and the way to etcd, at rest and in transit:
// - a write to etcd by someone without the CA encryption key cannot add a trusted root: another
//   certificate written into ca/root is refused (a new replica will not start; a running one keeps
//   its root), and a certificate planted as ca/previous-root never enters the trust bundle;
// - replicas reach etcd over TLS with a client certificate, and as an etcd user with a password.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoot } from '../../src/ca/root';
import { connectEtcd } from '../../src/etcd/client';
import { etcdKeys } from '../../src/etcd/keys';
import { freePort, startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';
import { TEST_CA_ENCRYPTION_KEY, openHttpMesh, startReplica, uniquePrefix, writeMesh } from './replicas';

const MESH = writeMesh(openHttpMesh({ frontend: undefined, catalog: undefined }, 'strict'));
let etcd: EtcdCluster;
let client: Etcd3;
const extra: ChildProcess[] = [];
const replicas: ServeProcess[] = [];

beforeAll(async () => {
  etcd = await startEtcd(1);
  client = connectEtcd({ endpoints: etcd.endpoints });
}, 30_000);
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  for (const c of extra) c.kill('SIGKILL');
  client?.close();
  await etcd?.close();
});

async function bundle(replica: ServeProcess): Promise<string> {
  return (await adminJson(replica.adminUrl, 'GET', '/v1/ca/bundle')).body as string;
}

describe('the CA state in etcd is authenticated', () => {
  it('another certificate written into ca/root is refused: no replica trusts it', async () => {
    const prefix = uniquePrefix();
    const a = await startReplica(etcd, prefix, ['--config', MESH]);
    replicas.push(a);
    const before = await bundle(a);
    const rootKey = `${etcdKeys(prefix).caPrefix}root`;
    const stored = JSON.parse((await client.get(rootKey).string())!) as { certPem: string; sealedKey: string };
    const attacker = await createRoot('switchyard.local');
    await client.put(rootKey).value(JSON.stringify({ ...stored, certPem: attacker.root.certPem }));

    // The running replica does not adopt it.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await bundle(a)).toBe(before);
    expect(await bundle(a)).not.toContain(attacker.root.certPem.trim().split('\n')[1]);
    // A replica starting now refuses to start rather than trust it.
    const failed = await startReplica(etcd, prefix, ['--config', MESH]).then(
      (r) => {
        replicas.push(r);
        return 'started';
      },
      (e: Error) => e.message,
    );
    expect(failed).toMatch(/cannot decrypt|altered|not the one/);
  });

  it('a certificate planted as ca/previous-root never enters the trust bundle', async () => {
    const prefix = uniquePrefix();
    const a = await startReplica(etcd, prefix, ['--config', MESH]);
    replicas.push(a);
    const attacker = await createRoot('switchyard.local');
    await client.put(`${etcdKeys(prefix).caPrefix}previous-root`).value(attacker.root.certPem);
    await eventually(() => a.logs.some((l) => l.includes('previous-root does not authenticate')), 10_000, 'the planted previous root to be refused');
    expect(await bundle(a)).not.toContain(attacker.root.certPem.trim().split('\n')[1]);
    expect(((await adminJson(a.adminUrl, 'GET', '/v1/ca')).body as { rotating: boolean }).rotating).toBe(false);
  });
});

/** One etcd member with TLS and client certificate authentication, certificates from openssl. */
async function startTlsEtcd(dir: string): Promise<{ endpoint: string; files: Record<'ca' | 'cert' | 'key', string> }> {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=etcd-test-ca',
  );
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
  const endpoint = `https://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  const child = spawn(
    '/usr/bin/etcd',
    [
      '--name',
      'tls',
      '--data-dir',
      path.join(dir, 'data'),
      '--listen-client-urls',
      endpoint,
      '--advertise-client-urls',
      endpoint,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `tls=${peer}`,
      '--cert-file',
      path.join(dir, 'server.pem'),
      '--key-file',
      path.join(dir, 'server-key.pem'),
      '--client-cert-auth',
      '--trusted-ca-file',
      path.join(dir, 'ca.pem'),
      '--logger',
      'zap',
      '--log-level',
      'error',
    ],
    { stdio: 'ignore' },
  );
  extra.push(child);
  return { endpoint, files: { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'client.pem'), key: path.join(dir, 'client-key.pem') } };
}

describe('reaching etcd', () => {
  it('over TLS with a client certificate (--etcd-ca-file, --etcd-cert-file, --etcd-key-file)', async () => {
    const dir = tempDir('switchyard-etcd-tls-');
    const { endpoint, files } = await startTlsEtcd(dir);
    const args = ['--registry', 'etcd', '--etcd-endpoints', endpoint, '--config', MESH, '--etcd-ca-file', files.ca];
    const env = { SWITCHYARD_CA_ENCRYPTION_KEY: TEST_CA_ENCRYPTION_KEY };
    let replica: ServeProcess | undefined;
    await eventually(
      async () => {
        replica = await startServe([...args, '--etcd-cert-file', files.cert, '--etcd-key-file', files.key], { env }).catch(() => undefined);
        return replica !== undefined;
      },
      30_000,
      'a replica to start against etcd over TLS',
    );
    replicas.push(replica!);
    expect((await adminJson(replica!.adminUrl, 'PUT', '/v1/services/catalog/instances/c1', { address: '10.0.0.1', port: 8080 })).status).toBe(200);
    // Without its client certificate, etcd refuses the replica.
    const refused = await startServe(args, { env }).then(
      (r) => {
        replicas.push(r);
        return 'started';
      },
      (e: Error) => e.message,
    );
    expect(refused).not.toBe('started');
  }, 90_000);

  it('as an etcd user (--etcd-username, --etcd-password-file)', async () => {
    const ctl = (...args: string[]) =>
      execFileSync('/usr/bin/etcdctl', ['--endpoints', etcd.endpointsFlag, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: 'pipe' });
    ctl('user', 'add', 'root:root-pw');
    ctl('user', 'add', 'switchyard:sy-pw');
    ctl('role', 'add', 'switchyard');
    ctl('role', 'grant-permission', 'switchyard', '--prefix=true', 'readwrite', '/');
    ctl('user', 'grant-role', 'switchyard', 'switchyard');
    ctl('auth', 'enable');
    try {
      const dir = tempDir('switchyard-etcd-auth-');
      fs.writeFileSync(path.join(dir, 'pw'), 'sy-pw\n');
      fs.writeFileSync(path.join(dir, 'wrong'), 'nope\n');
      const prefix = uniquePrefix();
      const ok = await startReplica(etcd, prefix, ['--config', MESH, '--etcd-username', 'switchyard', '--etcd-password-file', path.join(dir, 'pw')]);
      replicas.push(ok);
      expect((await adminJson(ok.adminUrl, 'PUT', '/v1/services/catalog/instances/c1', { address: '10.0.0.1', port: 8080 })).status).toBe(200);
      const wrong = await startReplica(etcd, uniquePrefix(), [
        '--config',
        MESH,
        '--etcd-username',
        'switchyard',
        '--etcd-password-file',
        path.join(dir, 'wrong'),
      ]).then(
        (r) => {
          replicas.push(r);
          return 'started';
        },
        (e: Error) => e.message,
      );
      expect(wrong).not.toBe('started');
    } finally {
      ctl('--user', 'root:root-pw', 'auth', 'disable');
    }
  }, 90_000);
});
