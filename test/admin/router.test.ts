import { describe, expect, it } from 'vitest';
import { access, jsonResponse, type HttpMethod, type RouteDefinition } from '../../src/admin/route';
import { Router } from '../../src/admin/router';

function route(method: HttpMethod, path: string): RouteDefinition {
  return { method, path, access: access.rule('read'), handler: () => jsonResponse(200, { path }) };
}

describe('Router', () => {
  const router = new Router([
    route('GET', '/v1/proxies/{node}/config'),
    route('GET', '/v1/{kind}/bundle'),
    route('GET', '/v1/ca/bundle'),
    route('PUT', '/v1/services/{service}/instances/{id}'),
    route('GET', '/'),
  ]);

  it('extracts and decodes parameters', () => {
    const match = router.match('GET', '/v1/proxies/node%2F1/config');
    expect(match).toMatchObject({ kind: 'matched', params: { node: 'node/1' } });
  });

  it('prefers the route with more literal segments regardless of order', () => {
    const match = router.match('GET', '/v1/ca/bundle');
    expect(match.kind === 'matched' && match.route.path).toBe('/v1/ca/bundle');
    const other = router.match('GET', '/v1/x/bundle');
    expect(other.kind === 'matched' && other.route.path).toBe('/v1/{kind}/bundle');
  });

  it('distinguishes unknown paths, wrong methods and empty parameters', () => {
    expect(router.match('GET', '/v1/services/a/instances/b')).toEqual({ kind: 'method_not_allowed', allowed: ['PUT'] });
    expect(router.match('PUT', '/v1/services//instances/b')).toEqual({ kind: 'not_found' });
    expect(router.match('GET', '/nope')).toEqual({ kind: 'not_found' });
    expect(router.match('GET', '/').kind).toBe('matched');
  });
});
