// Certificate material for golden cases whose `ca:` lists issued certificates. It is fake but
// PEM-shaped, and each key says whose it is, so a leak is easy to spot (and to grep for); the
// golden files show it verbatim, so it must stay exactly as it is.
import type { MeshSecurityMaterial, WorkloadKeyPair } from '../../../src/model';

export const TRUST_BUNDLE_PEM = '-----BEGIN CERTIFICATE-----\nRkFLRS1ST09ULUNB\n-----END CERTIFICATE-----\n';

/** The marker every fake private key carries; no unauthenticated proxy's bytes may contain it. */
export const PRIVATE_KEY_MARKER = 'PRIVATE KEY';

export function fakeKeyPair(serviceName: string): WorkloadKeyPair {
  const body = (what: string) => Buffer.from(`FAKE-${what}-${serviceName}`).toString('base64');
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${body('CERT')}\n-----END CERTIFICATE-----\n`,
    keyPem: `-----BEGIN ${PRIVATE_KEY_MARKER}-----\n${body('KEY')}\n-----END ${PRIVATE_KEY_MARKER}-----\n`,
  };
}

/** A running CA's material after it has issued a certificate to each of `services`. */
export function fakeMaterial(services: readonly string[]): MeshSecurityMaterial {
  return { trustBundlePem: TRUST_BUNDLE_PEM, certificates: new Map(services.map((s) => [s, fakeKeyPair(s)])) };
}
