// A crash at any point of a root rotation (or of the first root's creation) leaves a CA that
// loads: each crash is a real process exit, after the Nth file rename the CA makes, and the next
// start must load a root whose key matches its certificate. Before, a crash between the key's
// and the certificate's writes left a new key beside the old certificate, and serve refused to start.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/ca/authority';
import { REPO_ROOT, tempDir } from '../support/serve-process';

/** Runs `action` in a child process that exits (as a crash would) right after its Nth rename. */
function crashAfterRenames(dir: string, n: number, action: 'create' | 'rotate'): number | null {
  const script = `
    const fs = require('node:fs');
    const rename = fs.renameSync;
    let renames = 0;
    fs.renameSync = (...args) => { rename(...args); if (++renames === ${n}) process.exit(99); };
    const { CertificateAuthority } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist/ca/authority.js'))});
    (async () => {
      const ca = await CertificateAuthority.open({ dir: ${JSON.stringify(dir)}, trustDomain: 'switchyard.local' });
      if (${JSON.stringify(action)} === 'rotate') await ca.rotate();
    })().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 }).status;
}

async function loads(dir: string): Promise<CertificateAuthority> {
  const ca = await CertificateAuthority.open({ dir, trustDomain: 'switchyard.local' });
  // The root signs workload certificates that verify against the bundle.
  const cert = await ca.certificateFor('orders');
  const roots = ca
    .trustBundlePem()
    .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!
    .map((p) => new X509Certificate(p));
  expect(roots.some((r) => new X509Certificate(cert.certPem).verify(r.publicKey))).toBe(true);
  return ca;
}

describe('a crash between CA file writes', () => {
  it.each([1, 2, 3])("during the first root's creation, after rename %i, leaves a loadable CA", async (n) => {
    const dir = tempDir('switchyard-ca-crash-');
    expect(crashAfterRenames(path.join(dir, 'ca'), n, 'create')).toBe(99);
    await loads(path.join(dir, 'ca'));
  });

  it.each([1, 2, 3, 4])('during a rotation, after rename %i, leaves a loadable CA that trusts what it signs', async (n) => {
    const dir = path.join(tempDir('switchyard-ca-crash-'), 'ca');
    await CertificateAuthority.open({ dir, trustDomain: 'switchyard.local' });
    const before = fs.readFileSync(path.join(dir, 'root-cert.pem'), 'utf8');
    expect(crashAfterRenames(dir, n, 'rotate')).toBe(99);
    const ca = await loads(dir);
    // Either the rotation happened (the old root still trusted as previous) or it did not at all.
    const bundle = ca.trustBundlePem();
    expect(bundle).toContain(before.trim());
    expect(fs.existsSync(path.join(dir, 'root-pending.pem'))).toBe(false);
  });
});
