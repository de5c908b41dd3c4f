import * as grpc from '@grpc/grpc-js';
import { type TokenAuthority, bearerToken } from './tokens';
import type { Node__Output } from '../generated/envoy/config/core/v3/Node';

export type StreamAuthentication = { authenticated: boolean } | { error: { code: number; message: string } };

/**
 * Decides what a stream has proved. A valid token for node.cluster proves that service; a token
 * that is bad, expired, revoked or for another service is refused outright (never downgraded to
 * anonymous, so a mistake is loud); no token is anonymous unless tokens are required.
 */
export function authenticateStream(tokens: TokenAuthority, requireToken: boolean, node: Node__Output, metadata: grpc.Metadata): StreamAuthentication {
  const token = bearerToken(metadata.get('authorization'));
  if (token === undefined) {
    if (requireToken)
      return {
        error: {
          code: grpc.status.UNAUTHENTICATED,
          message: 'this control plane requires an xDS token: send authorization: Bearer <token> (switchyard token create)',
        },
      };
    return { authenticated: false };
  }
  const check = tokens.verify(token);
  if (!check.ok) return { error: { code: grpc.status.PERMISSION_DENIED, message: `xDS token refused: ${check.reason}` } };
  if (check.claims.service !== node.cluster) {
    return {
      error: { code: grpc.status.PERMISSION_DENIED, message: `xDS token is for service "${check.claims.service}" but node.cluster is "${node.cluster}"` },
    };
  }
  return { authenticated: true };
}
