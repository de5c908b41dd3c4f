import { describe, expect, it } from 'vitest';
import type { MeshConfig } from '../../src/model/mesh';
import { DEFAULT_MESH_SETTINGS } from '../../src/model/mesh';
import { found, parseLines } from './problems';

describe('parseMeshFile on valid files', () => {
  it('turns the reference mesh file, extended with every field, into the exact MeshConfig', () => {
    const result = parseLines([
      'mesh:',
      '  trustDomain: shop.example.com',
      '  mtls: permissive',
      '  defaultPolicy: deny',
      'services:',
      '  - name: catalog',
      '    protocol: http',
      '    port: 8080',
      '    subsets:',
      '      v1: { version: v1 }',
      '      v2: { version: v2, track: canary }',
      '    trafficPolicy:',
      '      loadBalancer: least_request',
      '      connectTimeout: 1s',
      '      circuitBreaker: { maxConnections: 100, maxPendingRequests: 50, maxRequests: 200, maxRetries: 3 }',
      '      outlierDetection: { consecutive5xx: 5, interval: 10s, baseEjectionTime: 1m30s, maxEjectionPercent: 50,',
      '                          failurePercentage: { threshold: 50, minimumHosts: 2, requestVolume: 20 } }',
      '    routes:',
      '      - match: { pathPrefix: /, headers: { x-canary: "true" } }',
      '        destinations: [ { subset: v2, weight: 100 } ]',
      '      - match: { path: /healthz }',
      '        destinations: [ { subset: v1 } ]',
      '      - match: { pathPrefix: / }',
      '        destinations: [ { subset: v1, weight: 90 }, { subset: v2, weight: 10 } ]',
      '        timeout: 1.5s',
      '        retries: { attempts: 3, perTryTimeout: 250ms, retryOn: "5xx, reset,connect-failure" }',
      '    allow: [ frontend ]',
      '    endpoints:',
      '      - { address: 10.0.0.5, port: 8081, labels: { version: v1 }, zone: zone-a, weight: 10 }',
      '      - { address: "fd00::6", labels: { version: v2 } }',
      '      - { address: catalog-2.internal }',
      '  - name: frontend',
      '    port: 80',
      '    allow: []',
      '  - name: ledger',
      '    protocol: grpc',
      '    port: 9090',
      '    trafficPolicy: { loadBalancer: ring_hash, circuitBreaker: { maxRequests: 64 } }',
      '  - name: db',
      '    protocol: tcp',
      '    port: 5432',
      '    subsets: { primary: { role: primary } }',
      '    routes: [ { destinations: [ { subset: primary } ] } ]',
    ]);

    expect(found(result.problems, 'error')).toEqual([]);
    expect(found(result.problems, 'warning')).toEqual([]);
    const expected: MeshConfig = {
      mesh: { trustDomain: 'shop.example.com', mtls: 'permissive', defaultPolicy: 'deny' },
      services: [
        {
          name: 'catalog',
          protocol: 'http',
          port: 8080,
          subsets: { v1: { version: 'v1' }, v2: { version: 'v2', track: 'canary' } },
          trafficPolicy: {
            loadBalancer: 'least_request',
            connectTimeoutMs: 1000,
            circuitBreaker: { maxConnections: 100, maxPendingRequests: 50, maxRequests: 200, maxRetries: 3 },
            outlierDetection: {
              consecutive5xx: 5,
              intervalMs: 10_000,
              baseEjectionTimeMs: 90_000,
              maxEjectionPercent: 50,
              failurePercentage: { threshold: 50, minimumHosts: 2, requestVolume: 20 },
            },
          },
          routes: [
            { match: { pathPrefix: '/', headers: { 'x-canary': 'true' } }, destinations: [{ subset: 'v2', weight: 100 }] },
            // A lone destination's weight defaults to 100.
            { match: { path: '/healthz' }, destinations: [{ subset: 'v1', weight: 100 }] },
            {
              match: { pathPrefix: '/' },
              destinations: [
                { subset: 'v1', weight: 90 },
                { subset: 'v2', weight: 10 },
              ],
              timeoutMs: 1500,
              retries: { attempts: 3, perTryTimeoutMs: 250, retryOn: '5xx,reset,connect-failure' },
            },
          ],
          allow: ['frontend'],
          endpoints: [
            { address: '10.0.0.5', port: 8081, labels: { version: 'v1' }, zone: 'zone-a', weight: 10 },
            // An endpoint's port defaults to the service port.
            { address: 'fd00::6', port: 8080, labels: { version: 'v2' } },
            { address: 'catalog-2.internal', port: 8080 },
          ],
        },
        { name: 'frontend', protocol: 'http', port: 80, subsets: {}, routes: [], allow: [], endpoints: [] },
        {
          name: 'ledger',
          protocol: 'grpc',
          port: 9090,
          subsets: {},
          trafficPolicy: { loadBalancer: 'ring_hash', circuitBreaker: { maxRequests: 64 } },
          routes: [],
          endpoints: [],
        },
        {
          name: 'db',
          protocol: 'tcp',
          port: 5432,
          subsets: { primary: { role: 'primary' } },
          routes: [{ match: {}, destinations: [{ subset: 'primary', weight: 100 }] }],
          endpoints: [],
        },
      ],
    };
    // toStrictEqual: absent optional fields must be absent, not present as undefined.
    expect(result.config).toStrictEqual(expected);
  });

  it('applies defaults: mesh settings, protocol http, empty subsets/routes/endpoints, allow left undefined', () => {
    const result = parseLines(['services:', '  - name: catalog', '    port: 8080']);
    expect(result.problems).toEqual([]);
    expect(result.config).toStrictEqual({
      mesh: DEFAULT_MESH_SETTINGS,
      services: [{ name: 'catalog', protocol: 'http', port: 8080, subsets: {}, routes: [], endpoints: [] }],
    });
    expect(result.config?.services[0]).not.toHaveProperty('allow');
  });

  it('fills mesh settings left out of a partial mesh section from the defaults', () => {
    const result = parseLines(['mesh: { defaultPolicy: deny }', 'services: []']);
    expect(result.config?.mesh).toEqual({ trustDomain: 'switchyard.local', mtls: 'strict', defaultPolicy: 'deny' });
  });

  it('accepts subsets when the service has no routes: all traffic goes to all instances', () => {
    const result = parseLines(['services:', '  - name: catalog', '    port: 8080', '    subsets: { v1: { version: v1 } }']);
    expect(result.problems).toEqual([]);
    expect(result.config?.services[0].subsets).toEqual({ v1: { version: 'v1' } });
  });

  it('counts a weight-0 destination as reaching its subset (a canary waiting to ramp)', () => {
    const result = parseLines([
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    subsets: { v1: { version: v1 }, v2: { version: v2 } }',
      '    routes: [ { destinations: [ { subset: v1, weight: 100 }, { subset: v2, weight: 0 } ] } ]',
    ]);
    expect(result.problems).toEqual([]);
    expect(result.config?.services[0].routes[0].destinations).toEqual([
      { subset: 'v1', weight: 100 },
      { subset: 'v2', weight: 0 },
    ]);
  });

  it('follows YAML anchors and aliases', () => {
    const result = parseLines([
      'services:',
      '  - name: catalog',
      '    port: &http 8080',
      '    subsets: { v1: &v1 { version: v1 } }',
      '    endpoints: [ { address: 10.0.0.5, labels: *v1 } ]',
      '  - name: orders',
      '    port: *http',
    ]);
    expect(result.problems).toEqual([]);
    expect(result.config?.services[1].port).toBe(8080);
    expect(result.config?.services[0].endpoints[0].labels).toEqual({ version: 'v1' });
  });

  it('accepts a route timeout of 0, which disables it', () => {
    const result = parseLines(['services:', '  - name: catalog', '    port: 8080', '    routes: [ { destinations: [ { weight: 100 } ], timeout: 0s } ]']);
    expect(result.problems).toEqual([]);
    expect(result.config?.services[0].routes[0]).toEqual({ match: {}, destinations: [{ weight: 100 }], timeoutMs: 0 });
  });
});
