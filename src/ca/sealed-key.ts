// Private keys at rest outside this machine (the shared CA root key and the xDS token key in
// etcd) are sealed with AES-256-GCM under a 32-byte key the operator provides. The etcd key
// name is bound in as additional data, so a sealed value copied to another key does not open.
// What must not be altered but need not be secret (a root certificate) is bound in the same way:
// whoever can write to etcd but lacks the operator's key cannot add a root anyone trusts.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'sk1';
const GCM_TAG_BYTES = 16;
const GCM_IV_BYTES = 12;

/** Reads an operator key: 32 bytes as base64 (`openssl rand -base64 32`) or 64 hex digits. */
export function parseEncryptionKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const decoded = Buffer.from(trimmed, 'base64');
  if (decoded.length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return decoded;
  throw new Error(`${source}: expected a 32-byte key as base64 (openssl rand -base64 32) or 64 hex digits`);
}

/** Binds a value that is public but must not change (a certificate) into a sealed value's context. */
export function boundContext(context: string, publicValue: string): string {
  return `${context}#sha256:${createHash('sha256').update(publicValue).digest('hex')}`;
}

export function seal(plaintext: string, key: Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
}

/** Opens a sealed value; throws a sentence naming the likely cause when the key is wrong. */
export function unseal(sealed: string, key: Buffer, context: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error(`${context}: not a sealed key (expected ${VERSION}.…)`);
  const [, iv, tag, body] = parts as [string, string, string, string];
  // GCM accepts shorter tags, and a short tag is forgeable by trial: only the full 16 bytes are
  // accepted, and the IV must be the 12 bytes seal() writes.
  if (Buffer.from(tag, 'base64').length !== GCM_TAG_BYTES || Buffer.from(iv, 'base64').length !== GCM_IV_BYTES) {
    throw new Error(`${context}: the sealed value was altered (its authentication tag or IV has the wrong length)`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`${context}: cannot decrypt: the CA encryption key differs from the one it was sealed with (or the value was altered)`);
  }
}
