import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { CertificateAuthority } from './authority';

/** A year: the listener takes its certificate at start, so it must outlast any sensible uptime. */
const XDS_SERVER_CERT_TTL_MS = 365 * 24 * 3600_000;

/**
 * TLS for the xDS listener, with a server certificate from the mesh CA. Proxies trust the CA
 * bundle (`switchyard bootstrap envoy --xds-ca-file`); client certificates are not required,
 * since streams prove themselves with xDS tokens.
 */
export async function xdsServerCredentials(ca: CertificateAuthority, namesFlag: string, bindHost: string): Promise<grpc.ServerCredentials> {
  const names = namesFlag
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const dns = names.filter((n) => isIP(n) === 0);
  const ips = [
    ...new Set([...names.filter((n) => isIP(n) !== 0), '127.0.0.1', ...(isIP(bindHost) && bindHost !== '0.0.0.0' && bindHost !== '::' ? [bindHost] : [])]),
  ];
  const cert = await ca.serverCertificate('switchyard-xds', dns, ips, XDS_SERVER_CERT_TTL_MS);
  return grpc.ServerCredentials.createSsl(
    Buffer.from(ca.trustBundlePem()),
    [{ cert_chain: Buffer.from(cert.certPem), private_key: Buffer.from(cert.keyPem) }],
    false,
  );
}
