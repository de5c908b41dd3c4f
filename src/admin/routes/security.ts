// POST /v1/tokens (an xDS credential for a service), GET /v1/ca (CA facts), POST /v1/ca/rotate.

import type { CaFacts } from '../../ca/authority';
import { parseDuration } from '../../util/durations';
import { access, jsonResponse, type RouteDefinition } from '../route';

export interface SecurityRoutesOptions {
  readonly knownService: (name: string) => boolean;
  readonly createToken: (service: string, ttlMs: number) => { token: string; id: string; expiresAt: number };
  /** Revokes a token by id (persisted); streams opened with it later are refused. */
  readonly revokeToken: (id: string) => void | Promise<void>;
  readonly caFacts: () => CaFacts;
  readonly rotate: () => Promise<void>;
}

const DEFAULT_TOKEN_TTL_MS = 720 * 3600_000;
const MAX_TOKEN_TTL_MS = 8760 * 3600_000;

function badRequest(message: string, field: string) {
  return jsonResponse(400, { error: { code: 'invalid_argument', message, field } });
}

/** The service a token request names; a malformed one needs identity:* (the handler then answers 400). */
function serviceInBody(body: unknown): string {
  const service = typeof body === 'object' && body !== null ? (body as { service?: unknown }).service : undefined;
  return typeof service === 'string' && /^[a-z0-9-]{1,63}$/.test(service) ? service : '*';
}

export function securityRoutes(o: SecurityRoutesOptions): RouteDefinition[] {
  return [
    {
      method: 'POST',
      path: '/v1/tokens',
      // Minting proves the named service on the xDS stream and unlocks its certificate and key.
      access: access.rule((req) => `identity:${serviceInBody(req.body)}`),
      handler: (req) => {
        const body = req.body as { service?: unknown; ttl?: unknown } | undefined;
        if (!body || typeof body !== 'object') return badRequest('the body must be {"service": NAME, "ttl"?: DURATION}', '');
        for (const key of Object.keys(body)) if (key !== 'service' && key !== 'ttl') return badRequest(`unknown field "${key}"`, key);
        if (typeof body.service !== 'string' || !o.knownService(body.service)) return badRequest(`service must name a service of the mesh file`, 'service');
        let ttlMs = DEFAULT_TOKEN_TTL_MS;
        if (body.ttl !== undefined) {
          const result = typeof body.ttl === 'string' ? parseDuration(body.ttl) : undefined;
          const parsed = result?.ok ? result.ms : undefined;
          if (parsed === undefined || parsed < 60_000 || parsed > MAX_TOKEN_TTL_MS)
            return badRequest('ttl must be a duration from 1m to 8760h, such as "720h"', 'ttl');
          ttlMs = parsed;
        }
        const { token, id, expiresAt } = o.createToken(body.service, ttlMs);
        return jsonResponse(200, { token, id, expiresAt: new Date(expiresAt).toISOString() });
      },
    },
    {
      method: 'DELETE',
      path: '/v1/tokens/{id}',
      // A token id does not say which service it proves, so revoking needs identity over all of them.
      access: access.rule('identity:*'),
      handler: async (req) => {
        const id = req.params.id!;
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return badRequest('a token id is the "id" returned when it was created', 'id');
        await o.revokeToken(id);
        return { status: 204 };
      },
    },
    { method: 'GET', path: '/v1/ca', access: access.rule('read'), handler: () => jsonResponse(200, o.caFacts()) },
    {
      method: 'POST',
      path: '/v1/ca/rotate',
      access: access.rule('ca:admin'),
      handler: async () => {
        try {
          await o.rotate();
        } catch (err) {
          return jsonResponse(409, { error: { code: 'conflict', message: (err as Error).message, field: null } });
        }
        return jsonResponse(200, o.caFacts());
      },
    },
  ];
}

export interface CertificateRoutesOptions {
  /** Verifies an xDS token and returns the service it proves, or why not. */
  readonly verifyToken: (token: string) => { ok: true; service: string } | { ok: false; reason: string };
  readonly certificateFor: (service: string) => Promise<{ certPem: string; keyPem: string; notAfter: number }>;
  readonly trustBundlePem: () => string;
}

/**
 * POST /v1/certificates: a workload's certificate, key and trust bundle, for `switchyard agent`
 * (proxyless gRPC reads them from files). The caller proves its service with an xDS token in
 * `authorization`; no ACL token is involved, and a token only ever yields its own service's key.
 */
export function certificateRoutes(o: CertificateRoutesOptions): RouteDefinition[] {
  return [
    {
      method: 'POST',
      path: '/v1/certificates',
      access: access.xdsToken(),
      handler: async (req) => {
        const header = req.headers.authorization ?? '';
        const m = /^Bearer\s+(\S+)$/i.exec(header);
        if (!m)
          return jsonResponse(401, {
            error: { code: 'unauthenticated', message: 'send the xDS token of the service as authorization: Bearer <token>', field: 'authorization' },
          });
        const check = o.verifyToken(m[1]!);
        if (!check.ok)
          return jsonResponse(403, { error: { code: 'permission_denied', message: `xDS token refused: ${check.reason}`, field: 'authorization' } });
        const cert = await o.certificateFor(check.service);
        return jsonResponse(200, {
          service: check.service,
          certificate: cert.certPem,
          privateKey: cert.keyPem,
          trustBundle: o.trustBundlePem(),
          expiresAt: new Date(cert.notAfter).toISOString(),
        });
      },
    },
  ];
}
