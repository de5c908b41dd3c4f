// GET /v1/ca/bundle: the trust bundle (PEM), what every peer must trust.

import { access, textResponse, type RouteDefinition } from '../route';

export function caRoutes(ca: { trustBundlePem(): string }): RouteDefinition[] {
  return [
    { method: 'GET', path: '/v1/ca/bundle', access: access.rule('read'), handler: () => textResponse(200, ca.trustBundlePem(), 'application/x-pem-file') },
  ];
}
