import { generateKeyPair, randomSerial, signingAlgorithm, type KeyType } from './keys';
import type { RootAuthority } from './root';
import { x509 } from './x509';
import { spiffeId as spiffeIdOf } from '../model/identity';

export interface WorkloadCertificate {
  readonly service: string;
  readonly spiffeId: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly notBefore: number;
  readonly notAfter: number;
  /** Fingerprint of the root that signed it (to know who still holds an old root's certificate). */
  readonly issuerFingerprint: string;
  readonly keyType: KeyType;
  /** DNS SANs besides the SPIFFE ID (a gateway's internal names; the xDS listener's host names). */
  readonly dnsNames: readonly string[];
}

/**
 * An X.509-SVID for a service: the SPIFFE ID as the only URI SAN, usable for both ends of
 * mutual TLS (serverAuth and clientAuth), never a CA.
 */
export async function issueWorkloadCertificate(
  root: RootAuthority,
  o: {
    trustDomain: string;
    service: string;
    keyType: KeyType;
    ttlMs: number;
    now?: number;
    /** Extra SANs for a certificate that clients also check by host name (the xDS listener's). */
    dnsNames?: readonly string[];
    ipAddresses?: readonly string[];
  },
): Promise<WorkloadCertificate> {
  const now = o.now ?? Date.now();
  const spiffeId = spiffeIdOf(o.trustDomain, o.service);
  const { keys, privateKeyPem } = await generateKeyPair(o.keyType);
  const notBefore = now - 60_000;
  // Never outlive the root: a leaf valid past its issuer fails verification at the end anyway.
  const notAfter = Math.min(now + o.ttlMs, Date.parse(root.cert.validTo));
  const usages = o.keyType === 'rsa-2048' ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `O=${o.trustDomain}, OU=${o.service}`,
    issuer: root.cert.subject.split('\n').join(', '),
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    signingAlgorithm: signingAlgorithm(root.keyType),
    publicKey: keys.publicKey,
    signingKey: root.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension(
        [
          { type: 'url', value: spiffeId },
          ...(o.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
          ...(o.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
        ],
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(new x509.X509Certificate(root.certPem)),
    ],
  });
  const certPem = `${cert.toString('pem')}\n`;
  return {
    service: o.service,
    spiffeId,
    certPem,
    keyPem: privateKeyPem,
    notBefore,
    notAfter,
    issuerFingerprint: root.cert.fingerprint256,
    keyType: o.keyType,
    dnsNames: [...(o.dnsNames ?? [])],
  };
}
