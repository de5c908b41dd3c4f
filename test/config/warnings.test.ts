import { describe, expect, it } from 'vitest';
import { expectFound, found, parseLines } from './problems';

// Every policy proxyless gRPC cannot apply, on one service; the same lines under another
// protocol must stay silent, since only grpc services have proxyless clients.
function serviceWithUnsupportedPolicy(protocol: string): string[] {
  return [
    'services:',
    '  - name: ledger',
    `    protocol: ${protocol}`,
    '    port: 9090',
    '    trafficPolicy:',
    '      loadBalancer: maglev',
    '      circuitBreaker: { maxConnections: 10, maxPendingRequests: 5, maxRequests: 100, maxRetries: 2 }',
    '      outlierDetection: { consecutive5xx: 5, failurePercentage: { threshold: 40 } }',
    '    routes:',
    '      - destinations: [ { weight: 100 } ]',
    '        retries: { attempts: 2, retryOn: "5xx,unavailable" }',
  ];
}

describe('warnings', () => {
  it('names each policy proxyless gRPC clients cannot apply, and what they do instead', () => {
    const result = parseLines(serviceWithUnsupportedPolicy('grpc'));
    expect(found(result.problems, 'error')).toEqual([]);
    expectFound(found(result.problems, 'warning'), [
      ['6:21', 'services[0].trafficPolicy.loadBalancer', 'proxyless gRPC clients cannot use loadBalancer maglev; they use ring_hash instead'],
      ['7:25', 'services[0].trafficPolicy.circuitBreaker.maxConnections', 'proxyless gRPC clients ignore maxConnections; they apply only maxRequests'],
      ['7:45', 'services[0].trafficPolicy.circuitBreaker.maxPendingRequests', 'proxyless gRPC clients ignore maxPendingRequests; they apply only maxRequests'],
      ['7:86', 'services[0].trafficPolicy.circuitBreaker.maxRetries', 'proxyless gRPC clients ignore maxRetries; they apply only maxRequests'],
      [
        '8:27',
        'services[0].trafficPolicy.outlierDetection.consecutive5xx',
        'proxyless gRPC clients ignore consecutive5xx; they apply only success-rate and failure-percentage ejection',
      ],
      ['11:42', 'services[0].routes[0].retries.retryOn', 'proxyless gRPC clients ignore retryOn 5xx; they retry only on gRPC status codes'],
    ]);
    // Warnings leave the file valid.
    expect(result.config?.services[0].trafficPolicy?.loadBalancer).toBe('maglev');
  });

  it.each([
    ['random', 'round_robin'],
    ['least_request', 'round_robin'],
    ['maglev', 'ring_hash'],
  ])('translates loadBalancer %s to %s for gRPC', (given, instead) => {
    const result = parseLines(['services:', '  - name: ledger', '    protocol: grpc', '    port: 9090', `    trafficPolicy: { loadBalancer: ${given} }`]);
    expectFound(found(result.problems, 'warning'), [
      ['5:36', 'services[0].trafficPolicy.loadBalancer', `cannot use loadBalancer ${given}; they use ${instead} instead`],
    ]);
  });

  it.each(['round_robin', 'ring_hash'])('has nothing to say about %s for gRPC', (lb) => {
    const result = parseLines(['services:', '  - name: ledger', '    protocol: grpc', '    port: 9090', `    trafficPolicy: { loadBalancer: ${lb} }`]);
    expect(result.problems).toEqual([]);
  });

  it.each(['http', 'tcp'])('does not warn about gRPC limits on %s services, which gRPC clients do not call', (protocol) => {
    const lines = serviceWithUnsupportedPolicy(protocol);
    // tcp routes cannot retry; keep the rest.
    const result = parseLines(protocol === 'tcp' ? lines.slice(0, 8) : lines);
    expect(result.problems).toEqual([]);
  });

  it('warns about a route that can never match', () => {
    const result = parseLines([
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    routes:',
      '      - match: { pathPrefix: / }',
      '        destinations: [ { weight: 100 } ]',
      '      - match: { headers: { x-canary: "true" } }',
      '        destinations: [ { weight: 100 } ]',
    ]);
    expectFound(found(result.problems, 'warning'), [
      ['7:9', 'services[0].routes[1]', 'this route never matches: the route at line 5 matches every request first'],
    ]);
    expect(result.config).toBeDefined();
  });

  it('warns when perTryTimeout leaves no room for a retry, and about repeated allow entries', () => {
    const result = parseLines([
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    routes:',
      '      - destinations: [ { weight: 100 } ]',
      '        timeout: 1s',
      '        retries: { attempts: 2, perTryTimeout: 1s }',
      '    allow: [ catalog, catalog ]',
    ]);
    expectFound(found(result.problems, 'warning'), [
      ['7:48', 'services[0].routes[0].retries.perTryTimeout', 'perTryTimeout 1s is not shorter than the route timeout 1s'],
      ['8:23', 'services[0].allow[1]', 'catalog is already listed'],
    ]);
    expect(result.config?.services[0].allow).toEqual(['catalog']);
  });
});
