import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { type TokenAuthority, bearerToken } from './tokens';
import type { Node__Output } from '../generated/envoy/config/core/v3/Node';

/**
 * The credential a stream proved its service with. Kept with the stream for its whole life: a
 * revoked token or an expiring credential ends the stream, not only the next one it opens.
 */
export interface StreamCredential {
  readonly kind: 'token' | 'certificate';
  /** The token id (`jti`), or the certificate's serial number. */
  readonly id: string;
  readonly service: string;
  readonly expiresAt: number;
}

export type StreamAuthentication =
  /** `credential` is undefined for an anonymous stream (only with --insecure-xds). */
  { service: string; credential?: StreamCredential } | { error: { code: number; message: string } };

export interface StreamAuthPolicy {
  readonly tokens: TokenAuthority;
  /** --insecure-xds: a stream that proves nothing is served as node.cluster, without secrets. */
  readonly allowAnonymous: boolean;
  readonly trustDomain: () => string;
}

const UNAUTHENTICATED = grpc.status.UNAUTHENTICATED;
const PERMISSION_DENIED = grpc.status.PERMISSION_DENIED;

/**
 * The service a client certificate names, if its SPIFFE ID is one of this trust domain's
 * workload IDs. The TLS layer has already verified the chain against the CA bundle (grpc-js
 * hands over only certificates of authorized sockets).
 */
export function certificateService(cert: PeerCertificate | undefined, trustDomain: string): string | undefined {
  const sans = cert?.subjectaltname;
  if (!sans) return undefined;
  const prefix = `spiffe://${trustDomain}/svc/`;
  for (const entry of sans.split(', ')) {
    if (!entry.startsWith('URI:')) continue;
    const uri = entry.slice(4);
    if (uri.startsWith(prefix) && !uri.slice(prefix.length).includes('/')) return uri.slice(prefix.length);
  }
  return undefined;
}

/**
 * Decides which service a stream proved. A valid xDS token or a CA-issued client certificate
 * proves its service; the proxy's group follows from that proof, never from node.cluster, which
 * may only repeat it (a different node.cluster is PERMISSION_DENIED: a frontend token cannot
 * buy the orders view). A bad, expired or revoked token is UNAUTHENTICATED, never downgraded to
 * anonymous; no proof at all is UNAUTHENTICATED unless the operator chose --insecure-xds.
 */
export function authenticateStream(
  policy: StreamAuthPolicy,
  node: Node__Output,
  metadata: grpc.Metadata,
  peerCertificate?: PeerCertificate,
): StreamAuthentication {
  const cluster = node.cluster ?? '';
  const token = bearerToken(metadata.get('authorization'));
  let credential: StreamCredential | undefined;
  if (token !== undefined) {
    const check = policy.tokens.verify(token);
    if (!check.ok) return { error: { code: UNAUTHENTICATED, message: `xDS token refused: ${check.reason}` } };
    credential = { kind: 'token', id: check.claims.id, service: check.claims.service, expiresAt: check.claims.expiresAt };
  }
  const certService = certificateService(peerCertificate, policy.trustDomain());
  if (certService !== undefined && peerCertificate) {
    if (credential && credential.service !== certService) {
      return {
        error: { code: PERMISSION_DENIED, message: `the xDS token is for service "${credential.service}" but the client certificate names "${certService}"` },
      };
    }
    const certExpiry = Date.parse(peerCertificate.valid_to);
    // Both presented and agreeing: the stream lasts as long as the first of them to lapse.
    if (!credential || certExpiry < credential.expiresAt)
      credential = { kind: 'certificate', id: peerCertificate.serialNumber, service: certService, expiresAt: certExpiry };
  }
  if (!credential) {
    if (policy.allowAnonymous) return { service: cluster };
    return {
      error: {
        code: UNAUTHENTICATED,
        message:
          "this control plane requires proof of the proxy's service: send authorization: Bearer <xDS token> (switchyard token create) or a client certificate from the mesh CA",
      },
    };
  }
  if (cluster !== '' && cluster !== credential.service) {
    return {
      error: {
        code: PERMISSION_DENIED,
        message: `the ${credential.kind === 'token' ? 'xDS token' : 'client certificate'} proves service "${credential.service}" but node.cluster is "${cluster}"`,
      },
    };
  }
  return { service: credential.service, credential };
}
