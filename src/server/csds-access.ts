// CSDS shows every proxy's node, sync state and resources: the same facts as GET /v1/proxies and
// config dumps, so it asks for the same thing, an ACL token with `read`, sent as gRPC metadata
// `authorization: Bearer <token>`.
import { status, type Metadata } from '@grpc/grpc-js';
import { grants, type AccessControl } from '../admin/acl';
import type { CsdsAuthorizer } from '../xds/csds';

export function csdsAuthorizer(access: AccessControl): CsdsAuthorizer {
  return (metadata: Metadata) => {
    const value = metadata.get('authorization')[0];
    const check = access.authenticate(typeof value === 'string' ? value : undefined);
    if (!check.ok) return { code: status.UNAUTHENTICATED, message: check.message };
    if (!grants(check.token.rules, 'read'))
      return { code: status.PERMISSION_DENIED, message: `ACL token "${check.token.name}" lacks the rule "read" needed for CSDS` };
    return undefined;
  };
}
