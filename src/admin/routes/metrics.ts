// GET /metrics: the Prometheus text exposition.

import type { Registry } from 'prom-client';
import { access, textResponse, type RouteDefinition } from '../route';

/**
 * Metrics name every service and count its instances, so by default they need `read` like the
 * registry listing; `public` (--public-metrics) opens them for a scraper that cannot send a token.
 */
export function metricsRoutes(registry: Registry, isPublic = false): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/metrics',
      access: isPublic ? access.public('--public-metrics') : access.rule('read'),
      handler: async () => textResponse(200, await registry.metrics(), registry.contentType),
    },
  ];
}
