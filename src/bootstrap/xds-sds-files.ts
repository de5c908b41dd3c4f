// Envoy reads a static tls_certificates entry once, at start, so a sidecar proving its service
// with a certificate would lose that proof when the certificate expires (24 h), and would stop
// trusting the control plane after a root rotation. Envoy does re-read secrets it gets through
// file-based SDS (a path ConfigSource, with the files it names watched), so `bootstrap envoy
// --cert-dir` points the xDS cluster's TLS at two such files, and `switchyard agent` writes them
// next to the certificate files it keeps current.
import * as path from 'node:path';
import type { JsonValue } from './envoy-bootstrap';

export const XDS_SDS_FILES = { certificate: 'xds-certificate-sds.yaml', trustBundle: 'xds-ca-sds.yaml' } as const;
export const XDS_SDS_SECRET_NAMES = { certificate: 'xds-client-certificate', trustBundle: 'xds-trust-bundle' } as const;

const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

/** Paths on the proxy's host, which is POSIX wherever Envoy runs. */
function join(dir: string, file: string): string {
  return `${dir.replace(/\/+$/, '')}/${file}`;
}

/** The SdsSecretConfig a bootstrap uses for one of the two files in `certDir`. */
export function sdsFileSecretConfig(certDir: string, which: keyof typeof XDS_SDS_FILES): { [key: string]: JsonValue } {
  return {
    name: XDS_SDS_SECRET_NAMES[which],
    sds_config: {
      path_config_source: { path: join(certDir, XDS_SDS_FILES[which]), watched_directory: { path: certDir.replace(/\/+$/, '') || '/' } },
      resource_api_version: 'V3',
    },
  };
}

/**
 * The two SDS files' contents (DiscoveryResponse, proto3 JSON), naming the agent's files in `dir`
 * (an absolute path as the proxy sees it).
 */
export function sdsFileContents(dir: string): Record<keyof typeof XDS_SDS_FILES, { [key: string]: JsonValue }> {
  const file = (name: string) => ({ filename: dir.includes('\\') ? path.join(dir, name) : join(dir, name) });
  return {
    certificate: {
      resources: [
        {
          '@type': SECRET_TYPE,
          name: XDS_SDS_SECRET_NAMES.certificate,
          tls_certificate: { certificate_chain: file('cert.pem'), private_key: file('key.pem') },
        },
      ],
    },
    trustBundle: {
      resources: [{ '@type': SECRET_TYPE, name: XDS_SDS_SECRET_NAMES.trustBundle, validation_context: { trusted_ca: file('ca.pem') } }],
    },
  };
}
