import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRoot, loadRoot, saveRoot } from '../../src/ca/root';
import { issueWorkloadCertificate } from '../../src/ca/workload';

const HOUR = 3600_000;

describe('CA root and workload certificates', () => {
  it('issues ECDSA P-256 SVIDs that chain to the root with the SPIFFE URI SAN and both TLS usages', async () => {
    const { root } = await createRoot('switchyard.local');
    expect(root.cert.ca).toBe(true);
    const svid = await issueWorkloadCertificate(root, { trustDomain: 'switchyard.local', service: 'catalog', keyType: 'ecdsa-p256', ttlMs: 24 * HOUR });
    const cert = new X509Certificate(svid.certPem);
    expect(cert.verify(root.cert.publicKey)).toBe(true);
    expect(cert.checkIssued(root.cert)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe('URI:spiffe://switchyard.local/svc/catalog');
    expect(cert.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const lifetime = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
    // 24 h plus the one-minute backdating, to the second.
    expect(Math.abs(lifetime - (24 * HOUR + 60_000))).toBeLessThan(2000);
    expect(cert.checkPrivateKey(createPrivateKey(svid.keyPem))).toBe(true);
  });

  it('issues RSA 2048 on request, signed by an ECDSA root', async () => {
    const { root } = await createRoot('switchyard.local');
    const svid = await issueWorkloadCertificate(root, { trustDomain: 'switchyard.local', service: 'orders', keyType: 'rsa-2048', ttlMs: HOUR });
    const cert = new X509Certificate(svid.certPem);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.verify(root.cert.publicKey)).toBe(true);
  });

  it('saves the root with a 0600 key and loads it back; a mismatched key is refused by name', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-ca-'));
    const a = await createRoot('switchyard.local');
    const b = await createRoot('switchyard.local');
    const files = saveRoot(dir, 'root', a.root.certPem, a.keyPem);
    expect(fs.statSync(files.keyFile).mode & 0o777).toBe(0o600);
    const loaded = await loadRoot(files.certFile, files.keyFile);
    expect(loaded.cert.fingerprint256).toBe(a.root.cert.fingerprint256);
    const svid = await issueWorkloadCertificate(loaded, { trustDomain: 'switchyard.local', service: 'db', keyType: 'ecdsa-p256', ttlMs: HOUR });
    expect(new X509Certificate(svid.certPem).verify(a.root.cert.publicKey)).toBe(true);
    const wrong = saveRoot(dir, 'wrong', a.root.certPem, b.keyPem);
    await expect(loadRoot(wrong.certFile, wrong.keyFile)).rejects.toThrow(/wrong-key\.pem: the key does not match/);
  });

  it('two workloads complete a real mutual-TLS handshake with certificates from the CA', async () => {
    const { root } = await createRoot('switchyard.local');
    const server = await issueWorkloadCertificate(root, { trustDomain: 'switchyard.local', service: 'catalog', keyType: 'ecdsa-p256', ttlMs: HOUR });
    const client = await issueWorkloadCertificate(root, { trustDomain: 'switchyard.local', service: 'frontend', keyType: 'rsa-2048', ttlMs: HOUR });
    // Each side reports the identity the other presented; both are awaited and checked here.
    const srv = tls.createServer({ cert: server.certPem, key: server.keyPem, ca: root.certPem, requestCert: true, rejectUnauthorized: true });
    const serverSaw = new Promise<string>((resolve, reject) => {
      srv.on('secureConnection', (socket) => {
        resolve(socket.getPeerX509Certificate()?.subjectAltName ?? '');
        socket.end();
      });
      srv.on('tlsClientError', reject);
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = (srv.address() as { port: number }).port;
    const clientSaw = new Promise<string>((resolve, reject) => {
      const c = tls.connect(
        { port, host: '127.0.0.1', cert: client.certPem, key: client.keyPem, ca: root.certPem, checkServerIdentity: () => undefined },
        () => {
          resolve(c.authorized ? (c.getPeerX509Certificate()?.subjectAltName ?? '') : `not authorized: ${String(c.authorizationError)}`);
          c.end();
        },
      );
      c.on('error', reject);
    });
    try {
      const [peerSeen, serverIdentity] = await Promise.all([serverSaw, clientSaw]);
      expect(peerSeen).toBe('URI:spiffe://switchyard.local/svc/frontend');
      expect(serverIdentity).toBe('URI:spiffe://switchyard.local/svc/catalog');
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });
});
