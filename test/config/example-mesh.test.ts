import { describe, expect, it } from 'vitest';
import { EXAMPLE_MESH_FILE_NAME, EXAMPLE_MESH_YAML, parseExampleMesh } from '../../src/config/example-mesh';
import { parseMeshFile } from '../../src/config/parse';

describe('the embedded shop mesh', () => {
  const result = parseExampleMesh();
  const service = (name: string) => result.config?.services.find((s) => s.name === name);

  it('parses with no errors and no warnings', () => {
    expect(result.problems).toEqual([]);
    expect(parseMeshFile(EXAMPLE_MESH_YAML, EXAMPLE_MESH_FILE_NAME)).toEqual(result);
  });

  it('is a strict-mTLS, deny-by-default mesh in switchyard.local', () => {
    expect(result.config?.mesh).toEqual({
      trustDomain: 'switchyard.local',
      mtls: 'strict',
      defaultPolicy: 'deny',
      accessLog: { sink: { kind: 'stdout' }, format: 'json' },
    });
  });

  it('has the shop services, ports, protocols and callers', () => {
    expect(result.config?.services.map((s) => [s.name, s.protocol, s.port, s.allow])).toEqual([
      ['frontend', 'http', 8080, ['public']],
      ['catalog', 'http', 8080, ['frontend']],
      ['orders', 'http', 8080, ['frontend']],
      ['payments', 'http', 8080, ['orders']],
      ['payment-provider', 'http', 443, ['payments']],
      ['db', 'tcp', 5432, ['catalog', 'orders']],
    ]);
  });

  it('has the payment provider as an external service only payments may call', () => {
    expect(service('payment-provider')?.external).toEqual({ hosts: ['api.payments-provider.example'], port: 443, tls: 'originate' });
  });

  it('lets the public reach frontend, and only frontend, through gateway public (http 8000, https 8443 with a mesh certificate for localhost)', () => {
    const gateways = result.config?.gateways ?? [];
    expect(gateways.map((g) => g.name)).toEqual(['public']);
    expect(gateways[0]!.listeners.map((l) => [l.port, l.protocol, l.certificate, l.routes.flatMap((r) => r.destinations.map((d) => d.service))])).toEqual([
      [8000, 'http', undefined, ['frontend']],
      [8443, 'https', { kind: 'mesh', names: ['localhost'] }, ['frontend']],
    ]);
    expect(result.config?.services.filter((s) => s.allow?.includes('public')).map((s) => s.name)).toEqual(['frontend']);
  });

  it('sends canary-header traffic to catalog v2 and splits the rest 90/10', () => {
    const catalog = service('catalog');
    expect(catalog?.subsets).toEqual({ v1: { version: 'v1' }, v2: { version: 'v2' } });
    expect(catalog?.routes).toEqual([
      { match: { pathPrefix: '/', headers: { 'x-canary': 'true' } }, destinations: [{ subset: 'v2', weight: 100 }] },
      {
        match: { pathPrefix: '/' },
        destinations: [
          { subset: 'v1', weight: 90 },
          { subset: 'v2', weight: 10 },
        ],
        timeoutMs: 2_000,
        retries: { attempts: 3, perTryTimeoutMs: 500, retryOn: '5xx,reset,connect-failure' },
      },
    ]);
    expect(catalog?.trafficPolicy?.loadBalancer).toBe('least_request');
    expect(catalog?.trafficPolicy?.circuitBreaker?.maxRequests).toBe(200);
    expect(catalog?.trafficPolicy?.outlierDetection?.consecutive5xx).toBe(5);
  });

  it('ejects failing payments instances by failure percentage', () => {
    expect(service('payments')?.trafficPolicy?.outlierDetection?.failurePercentage).toEqual({
      threshold: 50,
      minimumHosts: 2,
      requestVolume: 20,
    });
    expect(service('payments')?.trafficPolicy?.circuitBreaker).toEqual({ maxRequests: 3 });
  });
});
