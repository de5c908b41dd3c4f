// POST /v1/tokens (an xDS credential for a service), GET /v1/ca (CA facts), POST /v1/ca/rotate.

import type { CaFacts } from '../../ca/authority';
import { parseDuration } from '../../config/durations';
import { jsonResponse, type RouteDefinition } from '../route';

export interface SecurityRoutesOptions {
  readonly knownService: (name: string) => boolean;
  readonly createToken: (service: string, ttlMs: number) => { token: string; expiresAt: number };
  readonly caFacts: () => CaFacts;
  readonly rotate: () => Promise<void>;
}

const DEFAULT_TOKEN_TTL_MS = 720 * 3600_000;
const MAX_TOKEN_TTL_MS = 8760 * 3600_000;

function badRequest(message: string, field: string) {
  return jsonResponse(400, { error: { code: 'invalid_argument', message, field } });
}

export function securityRoutes(o: SecurityRoutesOptions): RouteDefinition[] {
  return [
    {
      method: 'POST',
      path: '/v1/tokens',
      handler: (req) => {
        const body = req.body as { service?: unknown; ttl?: unknown } | undefined;
        if (!body || typeof body !== 'object') return badRequest('the body must be {"service": NAME, "ttl"?: DURATION}', '');
        for (const key of Object.keys(body)) if (key !== 'service' && key !== 'ttl') return badRequest(`unknown field "${key}"`, key);
        if (typeof body.service !== 'string' || !o.knownService(body.service)) return badRequest(`service must name a service of the mesh file`, 'service');
        let ttlMs = DEFAULT_TOKEN_TTL_MS;
        if (body.ttl !== undefined) {
          const result = typeof body.ttl === 'string' ? parseDuration(body.ttl) : undefined;
          const parsed = result?.ok ? result.ms : undefined;
          if (parsed === undefined || parsed < 60_000 || parsed > MAX_TOKEN_TTL_MS) return badRequest('ttl must be a duration from 1m to 8760h, such as "720h"', 'ttl');
          ttlMs = parsed;
        }
        const { token, expiresAt } = o.createToken(body.service, ttlMs);
        return jsonResponse(200, { token, expiresAt: new Date(expiresAt).toISOString() });
      },
    },
    { method: 'GET', path: '/v1/ca', handler: () => jsonResponse(200, o.caFacts()) },
    {
      method: 'POST',
      path: '/v1/ca/rotate',
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
