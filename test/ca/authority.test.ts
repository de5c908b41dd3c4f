import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/ca/authority';
import type { WorkloadCertificate } from '../../src/ca/workload';

const HOUR = 3600_000;
const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-ca-'));

/**
 * One real mutual-TLS handshake, judged by the server (in TLS 1.3 the client finishes before
 * the server has checked the client's certificate). Each side trusts its own bundle.
 */
function handshake(server: WorkloadCertificate, serverBundle: string, client: WorkloadCertificate, clientBundle: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = tls.createServer({ cert: server.certPem, key: server.keyPem, ca: serverBundle, requestCert: true, rejectUnauthorized: true });
    const done = (ok: boolean) => {
      srv.close();
      resolve(ok);
    };
    srv.on('secureConnection', (s) => {
      s.end();
      done(true);
    });
    srv.on('tlsClientError', () => done(false));
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      const c = tls.connect({ port, host: '127.0.0.1', cert: client.certPem, key: client.keyPem, ca: clientBundle, checkServerIdentity: () => undefined });
      c.on('error', () => done(false));
      c.on('secureConnect', () => c.end());
    });
  });
}

describe('CertificateAuthority', () => {
  it('keeps its root across restarts and reuses a certificate until half life, then renews it', async () => {
    let now = Date.now();
    const d = dir();
    const ca = await CertificateAuthority.open({ dir: d, trustDomain: 'switchyard.local', workloadTtlMs: 24 * HOUR, now: () => now });
    const first = await ca.certificateFor('catalog');
    expect(await ca.certificateFor('catalog')).toBe(first);
    now += 11 * HOUR;
    expect(await ca.certificateFor('catalog')).toBe(first);
    expect(ca.nextRenewalAt()).toBe(first.notBefore + (first.notAfter - first.notBefore) / 2);
    now += 2 * HOUR;
    let changes = 0;
    ca.onChange(() => changes++);
    expect(await ca.renewDue()).toBe(1);
    const renewed = ca.currentCertificate('catalog')!;
    expect(renewed.certPem).not.toBe(first.certPem);
    expect(changes).toBe(1);

    const reopened = await CertificateAuthority.open({ dir: d, trustDomain: 'switchyard.local' });
    expect(reopened.facts().activeRoot.fingerprint).toBe(ca.facts().activeRoot.fingerprint);
  });

  it("puts a gateway's DNS names beside its SPIFFE ID, re-issues when they change, and keeps them through renewal", async () => {
    let now = Date.now();
    const ca = await CertificateAuthority.open({ dir: dir(), trustDomain: 'switchyard.local', workloadTtlMs: 24 * HOUR, now: () => now });
    const first = await ca.certificateFor('public', ['shop.internal']);
    expect(new X509Certificate(first.certPem).subjectAltName).toBe('URI:spiffe://switchyard.local/svc/public, DNS:shop.internal');
    expect(await ca.certificateFor('public', ['shop.internal'])).toBe(first);
    // Asking without names (the agent's route, renewal) keeps the names it has.
    expect(await ca.certificateFor('public')).toBe(first);
    const renamed = await ca.certificateFor('public', ['shop.internal', 'www.shop.internal']);
    expect(renamed).not.toBe(first);
    expect(new X509Certificate(renamed.certPem).subjectAltName).toBe('URI:spiffe://switchyard.local/svc/public, DNS:shop.internal, DNS:www.shop.internal');
    now += 13 * HOUR;
    expect(await ca.renewDue()).toBe(1);
    expect(ca.currentCertificate('public')!.dnsNames).toEqual(['shop.internal', 'www.shop.internal']);
  });

  it('rotates the root without a failed handshake: both roots are trusted until every workload is re-issued', async () => {
    const d = dir();
    const ca = await CertificateAuthority.open({ dir: d, trustDomain: 'switchyard.local' });
    const oldCatalog = await ca.certificateFor('catalog');
    const oldFrontend = await ca.certificateFor('frontend');
    const oldBundle = ca.trustBundlePem();
    expect(await handshake(oldCatalog, oldBundle, oldFrontend, oldBundle)).toBe(true);

    await ca.rotate();
    expect(ca.rotating).toBe(true);
    const bundle = ca.trustBundlePem();
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    // rotate() re-issued every certificate from the new root.
    const newCatalog = ca.currentCertificate('catalog')!;
    const newFrontend = ca.currentCertificate('frontend')!;
    expect(newCatalog.issuerFingerprint).toBe(ca.facts().activeRoot.fingerprint);
    // Every mix a mid-rotation mesh can see succeeds: old/new certificates, old/new bundles
    // (a proxy that has its new bundle but not yet its new certificate, and the reverse).
    expect(await handshake(newCatalog, bundle, oldFrontend, bundle)).toBe(true);
    expect(await handshake(oldCatalog, bundle, newFrontend, bundle)).toBe(true);
    expect(await handshake(oldCatalog, oldBundle, oldFrontend, bundle)).toBe(true);
    expect(await handshake(newCatalog, bundle, newFrontend, bundle)).toBe(true);

    // A restart mid-rotation keeps both roots.
    const reopened = await CertificateAuthority.open({ dir: d, trustDomain: 'switchyard.local' });
    expect(reopened.rotating).toBe(true);

    ca.finishRotation();
    expect(ca.trustBundlePem().match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(await handshake(newCatalog, ca.trustBundlePem(), newFrontend, ca.trustBundlePem())).toBe(true);
    // The old root is gone from the bundle: an old certificate is now refused.
    expect(await handshake(newCatalog, ca.trustBundlePem(), oldFrontend, ca.trustBundlePem())).toBe(false);
    expect(new X509Certificate(ca.trustBundlePem()).fingerprint256).toBe(ca.facts().activeRoot.fingerprint);
  });

  it('rotate() re-issues every certificate from the new root, and a second rotation waits for the first', async () => {
    const ca = await CertificateAuthority.open({ dir: dir(), trustDomain: 'switchyard.local' });
    const before = await ca.certificateFor('orders');
    await ca.rotate();
    expect(ca.allCertificatesFromActiveRoot()).toBe(true);
    expect(ca.currentCertificate('orders')!.issuerFingerprint).not.toBe(before.issuerFingerprint);
    await expect(ca.rotate()).rejects.toThrow(/already under way/);
    ca.finishRotation();
    expect(ca.rotating).toBe(false);
  });
});
