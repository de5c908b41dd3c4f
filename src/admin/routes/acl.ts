// ACL token management: POST /v1/acl/tokens (the secret is in this answer and nowhere else),
// GET /v1/acl/tokens (never secrets, never hashes), DELETE /v1/acl/tokens/{token} (id or name).
// All need acl:admin.

import { AclError, type AccessControl } from '../acl';
import { errorResponse } from '../errors';
import { access, jsonResponse, type AdminResponse, type RouteDefinition } from '../route';

function aclErrorResponse(error: unknown): AdminResponse {
  if (error instanceof AclError) return errorResponse(error.code, error.message, error.field ?? undefined);
  throw error;
}

export function aclRoutes(acl: AccessControl): RouteDefinition[] {
  const admin = access.rule('acl:admin');
  return [
    { method: 'GET', path: '/v1/acl/tokens', access: admin, handler: () => jsonResponse(200, { tokens: acl.list() }) },
    {
      method: 'POST',
      path: '/v1/acl/tokens',
      access: admin,
      handler: async (req) => {
        const body = req.body as { name?: unknown; rules?: unknown } | undefined;
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          return errorResponse('invalid_argument', 'the body must be {"name": NAME, "rules": [RULE, …]}', 'body');
        for (const key of Object.keys(body))
          if (key !== 'name' && key !== 'rules') return errorResponse('invalid_argument', `unknown field "${key}"; expected name and rules`, key);
        if (typeof body.name !== 'string') return errorResponse('invalid_argument', 'name must be a string', 'name');
        if (!Array.isArray(body.rules) || !body.rules.every((r): r is string => typeof r === 'string'))
          return errorResponse('invalid_argument', 'rules must be a list of strings', 'rules');
        try {
          const created = await acl.create(body.name, body.rules);
          return jsonResponse(200, { ...created.token, secret: created.secret });
        } catch (error) {
          return aclErrorResponse(error);
        }
      },
    },
    {
      method: 'DELETE',
      path: '/v1/acl/tokens/{token}',
      access: admin,
      handler: async (req) => {
        try {
          return jsonResponse(200, { revoked: await acl.revoke(req.params.token!) });
        } catch (error) {
          return aclErrorResponse(error);
        }
      },
    },
  ];
}
