// serve's CA options: an operator-supplied root is used as is (nothing created), and RSA 2048
// can be chosen for a root the server creates.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRoot, saveRoot } from '../../src/ca/root';
import { adminJson, startServe, tempDir, type ServeProcess, adminFetch } from '../support/serve-process';

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

describe('CA options', () => {
  it("--ca-cert/--ca-key: the operator's root signs workload certificates and nothing is created in the data dir", async () => {
    const files = tempDir();
    const { root, keyPem } = await createRoot('switchyard.local');
    const { certFile, keyFile } = saveRoot(files, 'operator-root', root.certPem, keyPem);
    const dataDir = tempDir();
    const serve = await startServe(['--ca-cert', certFile, '--ca-key', keyFile], { dataDir });
    running.push(serve);
    expect(await (await adminFetch(`${serve.adminUrl}/v1/ca/bundle`)).text()).toBe(root.certPem);
    expect(fs.existsSync(path.join(dataDir, 'ca', 'root-key.pem'))).toBe(false);
    const ca = (await adminJson(serve.adminUrl, 'GET', '/v1/ca')).body as { activeRoot: { fingerprint: string }; workloadCertificates: number };
    expect(ca.activeRoot.fingerprint).toBe(root.cert.fingerprint256);
    expect(ca.workloadCertificates).toBeGreaterThan(0);
    // A workload certificate as a workload gets it (POST /v1/certificates with its xDS token)
    // is signed by the operator's root, and comes with that root as its trust bundle.
    const minted = await adminJson(serve.adminUrl, 'POST', '/v1/tokens', { service: 'orders' });
    expect(minted.status).toBe(200);
    const issued = await fetch(`${serve.adminUrl}/v1/certificates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${(minted.body as { token: string }).token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(issued.status).toBe(200);
    const { certificate, trustBundle } = (await issued.json()) as { certificate: string; trustBundle: string };
    const workload = new X509Certificate(certificate);
    expect(workload.checkIssued(root.cert)).toBe(true);
    expect(workload.verify(root.cert.publicKey)).toBe(true);
    expect(workload.subjectAltName).toBe('URI:spiffe://switchyard.local/svc/orders');
    expect(trustBundle).toBe(root.certPem);
    // A rotation of an operator's root is the operator's job: refused with the reason.
    const rotate = await adminJson(serve.adminUrl, 'POST', '/v1/ca/rotate');
    expect(rotate.status).toBe(409);
    expect(JSON.stringify(rotate.body)).toContain('operator-supplied');
  });

  it('--ca-key-type rsa-2048 creates an RSA root', async () => {
    const serve = await startServe(['--ca-key-type', 'rsa-2048']);
    running.push(serve);
    const bundle = new X509Certificate(await (await adminFetch(`${serve.adminUrl}/v1/ca/bundle`)).text());
    expect(bundle.publicKey.asymmetricKeyType).toBe('rsa');
  }, 120_000);
});
