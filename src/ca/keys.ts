import { createPrivateKey, randomBytes } from 'node:crypto';
import { subtle } from './x509';

export type KeyType = 'ecdsa-p256' | 'rsa-2048';

export interface KeyPairWithPem {
  readonly keys: CryptoKeyPair;
  /** PKCS#8 PEM ("PRIVATE KEY"), which Envoy, gRPC and Node all read. */
  readonly privateKeyPem: string;
}

const EC_PARAMS = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const RSA_PARAMS = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;

/** The algorithm a key of this type signs with (the issuer's key decides a certificate's signature). */
export function signingAlgorithm(type: KeyType): EcdsaParams | Algorithm {
  return type === 'ecdsa-p256' ? ({ name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams) : ({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm);
}

export async function generateKeyPair(type: KeyType): Promise<KeyPairWithPem> {
  const keys = (await subtle.generateKey(type === 'ecdsa-p256' ? EC_PARAMS : RSA_PARAMS, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  return { keys, privateKeyPem: toPem('PRIVATE KEY', pkcs8) };
}

/** Imports a PEM private key (PKCS#8, SEC1 or PKCS#1) for signing, telling its type. */
export async function importSigningKey(pem: string): Promise<{ key: CryptoKey; type: KeyType }> {
  const keyObject = createPrivateKey(pem);
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  if (keyObject.asymmetricKeyType === 'ec') {
    if (keyObject.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('the CA key must be ECDSA P-256 or RSA');
    return { key: (await subtle.importKey('pkcs8', pkcs8, EC_PARAMS, false, ['sign'])) as unknown as CryptoKey, type: 'ecdsa-p256' };
  }
  if (keyObject.asymmetricKeyType === 'rsa') {
    return {
      key: (await subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])) as unknown as CryptoKey,
      type: 'rsa-2048',
    };
  }
  throw new Error(`unsupported CA key type ${keyObject.asymmetricKeyType}`);
}

export function toPem(label: string, der: Buffer): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A positive 128-bit serial (RFC 5280 allows up to 20 octets; the top bit clear keeps it positive). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}
