import { writeFileDurablySync } from '../util/durable-write';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { generateKeyPair, importSigningKey, randomSerial, signingAlgorithm, type KeyType } from './keys';
import { x509 } from './x509';

/** A CA root: the certificate, and the key that signs with it. */
export interface RootAuthority {
  readonly certPem: string;
  readonly cert: X509Certificate;
  readonly signingKey: CryptoKey;
  readonly keyType: KeyType;
}

const ROOT_TTL_MS = 10 * 365 * 24 * 3600 * 1000;

export async function createRoot(trustDomain: string, keyType: KeyType = 'ecdsa-p256', now = Date.now()): Promise<{ root: RootAuthority; keyPem: string }> {
  const { keys, privateKeyPem } = await generateKeyPair(keyType);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=Switchyard Root CA ${new Date(now).toISOString().slice(0, 10)}, O=${trustDomain}`,
    // Backdated a little so a peer whose clock lags a minute still accepts it.
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + ROOT_TTL_MS),
    signingAlgorithm: signingAlgorithm(keyType),
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = `${cert.toString('pem')}\n`;
  return { root: { certPem, cert: new X509Certificate(certPem), signingKey: keys.privateKey, keyType }, keyPem: privateKeyPem };
}

/** Loads a root from PEM files (operator-supplied or ours), checking that key and certificate belong together. */
export async function loadRoot(certFile: string, keyFile: string): Promise<RootAuthority> {
  return rootFromPem(fs.readFileSync(certFile, 'utf8'), fs.readFileSync(keyFile, 'utf8'), certFile, keyFile);
}

/** A root from PEM text; `certSource`/`keySource` name where each came from in errors. */
export async function rootFromPem(certPem: string, keyPem: string, certSource: string, keySource: string): Promise<RootAuthority> {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new Error(`${certSource}: not a PEM certificate (${(err as Error).message})`);
  }
  if (!cert.ca) throw new Error(`${certSource}: the certificate is not a CA (basicConstraints CA:TRUE is required)`);
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) throw new Error(`${keySource}: the key does not match ${certSource}`);
  const { key, type } = await importSigningKey(keyPem);
  return { certPem, cert, signingKey: key, keyType: type };
}

/**
 * Writes a root under dir: the key readable by its owner only (0600). The key and certificate
 * are two files, and no rename replaces two files at once, so both are first written together
 * to `<prefix>-pending.pem`: a crash after that is rolled forward by recoverPendingRoot at the
 * next start, and a crash before it leaves the old pair untouched. Without it, a crash between
 * the two writes left a new key beside the old certificate, and the CA would not load.
 */
export function saveRoot(dir: string, prefix: string, certPem: string, keyPem: string): { certFile: string; keyFile: string } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = path.join(dir, `${prefix}-cert.pem`);
  const keyFile = path.join(dir, `${prefix}-key.pem`);
  const pending = path.join(dir, `${prefix}-pending.pem`);
  writeFileDurablySync(pending, `${certPem.trim()}\n${keyPem.trim()}\n`, 0o600);
  writeFileDurablySync(keyFile, keyPem, 0o600);
  writeFileDurablySync(certFile, certPem, 0o644);
  fs.rmSync(pending, { force: true });
  return { certFile, keyFile };
}

/** Finishes a saveRoot that a crash interrupted (see there); returns whether there was one. */
export function recoverPendingRoot(dir: string, prefix: string): boolean {
  const pending = path.join(dir, `${prefix}-pending.pem`);
  if (!fs.existsSync(pending)) return false;
  const text = fs.readFileSync(pending, 'utf8');
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/.exec(text)?.[0];
  // Written durably in one piece, so it is whole; a pair that does not match is not ours to trust.
  if (cert === undefined || key === undefined || !new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
    fs.rmSync(pending, { force: true });
    return false;
  }
  saveRoot(dir, prefix, `${cert}\n`, `${key}\n`);
  return true;
}
