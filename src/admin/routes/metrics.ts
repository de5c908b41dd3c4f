// GET /metrics: the Prometheus text exposition.

import type { Registry } from 'prom-client';
import { textResponse, type RouteDefinition } from '../route';

export function metricsRoutes(registry: Registry): RouteDefinition[] {
  return [{ method: 'GET', path: '/metrics', handler: async () => textResponse(200, await registry.metrics(), registry.contentType) }];
}
