// The traffic-policy settings of issue 16 in the mesh file: each mistake is an error at its own
// line and column, and what proxyless gRPC clients would ignore is a warning.
import { describe, expect, it } from 'vitest';
import { expectFound, found, parseLines, type Expected } from './problems';

interface Case {
  readonly name: string;
  readonly lines: readonly string[];
  readonly errors: readonly Expected[];
}

const PAYMENTS = ['  - name: payments', '    port: 8080'];

const errorCases: readonly Case[] = [
  // external services
  {
    name: 'external service without an allow list',
    lines: ['services:', ...PAYMENTS, '  - name: provider', '    external: { hosts: [ api.example.com ], port: 443, tls: originate }'],
    errors: [['5:15', 'services[1].external', 'an external service needs an allow list']],
  },
  {
    name: 'external service with endpoints and subsets',
    lines: [
      'services:',
      ...PAYMENTS,
      '  - name: provider',
      '    external: { hosts: [ api.example.com ], port: 443, tls: originate }',
      '    subsets: { v1: { version: v1 } }',
      '    endpoints: [ { address: 10.0.0.1 } ]',
      '    allow: [ payments ]',
    ],
    errors: [
      ['6:14', 'services[1].subsets', 'an external service has no instances to list or group'],
      ['7:16', 'services[1].endpoints', 'an external service has no instances to list or group'],
    ],
  },
  {
    name: 'external hosts, port and tls checked one by one',
    lines: ['services:', ...PAYMENTS, '  - name: provider', '    external: { hosts: [ "api example", 0.0.0.0 ], tls: sometimes }', '    allow: [ payments ]'],
    errors: [
      ['5:15', 'services[1].external.port', 'missing port'],
      ['5:26', 'services[1].external.hosts[0]', 'is not an IPv4 address, an IPv6 address or a DNS hostname'],
      ['5:41', 'services[1].external.hosts[1]', 'is the unspecified address'],
      ['5:57', 'services[1].external.tls', '"sometimes" is not a TLS mode; expected one of originate, passthrough, none'],
    ],
  },
  {
    name: 'external with no hosts and no tls',
    lines: ['services:', ...PAYMENTS, '  - name: provider', '    external: { hosts: [], port: 443 }', '    allow: [ payments ]'],
    errors: [
      ['5:15', 'services[1].external.tls', 'missing tls'],
      ['5:24', 'services[1].external.hosts', 'at least one host'],
    ],
  },
  {
    name: 'passthrough on an http service',
    lines: [
      'services:',
      ...PAYMENTS,
      '  - name: provider',
      '    external: { hosts: [ api.example.com ], port: 443, tls: passthrough }',
      '    allow: [ payments ]',
    ],
    errors: [['5:61', 'services[1].external.tls', "tls: passthrough forwards the app's own TLS untouched"]],
  },

  // consistent hashing
  {
    name: 'consistentHash with two things to hash, and a bad algorithm',
    lines: [
      'services:',
      ...PAYMENTS,
      '    trafficPolicy:',
      '      loadBalancer: { consistentHash: { header: x-user, sourceIp: true }, algorithm: round_robin }',
    ],
    errors: [
      ['5:39', 'services[0].trafficPolicy.loadBalancer.consistentHash', 'hash on one thing, not header and sourceIp'],
      ['5:86', 'services[0].trafficPolicy.loadBalancer.algorithm', '"round_robin" is not a consistent-hash algorithm; expected one of ring_hash, maglev'],
    ],
  },
  {
    name: 'consistentHash header, cookie and sourceIp values checked',
    lines: [
      'services:',
      ...PAYMENTS,
      '    trafficPolicy: { loadBalancer: { consistentHash: { header: "x user" } } }',
      '  - name: carts',
      '    port: 8080',
      '    trafficPolicy: { loadBalancer: { consistentHash: { cookie: { ttl: 10 } } } }',
      '  - name: uploads',
      '    port: 8080',
      '    trafficPolicy: { loadBalancer: { consistentHash: { sourceIp: yes } } }',
    ],
    errors: [
      ['4:64', 'services[0].trafficPolicy.loadBalancer.consistentHash.header', '"x user" is not a valid HTTP header name'],
      ['7:64', 'services[1].trafficPolicy.loadBalancer.consistentHash.cookie.name', 'missing name'],
      ['7:71', 'services[1].trafficPolicy.loadBalancer.consistentHash.cookie.ttl', 'a bare number has no unit'],
      ['10:66', 'services[2].trafficPolicy.loadBalancer.consistentHash.sourceIp', 'expected true'],
    ],
  },

  // fault injection
  {
    name: 'fault values checked, and an abort needs exactly one status',
    lines: [
      'services:',
      ...PAYMENTS,
      '    routes:',
      '      - destinations: [ { weight: 100 } ]',
      '        fault:',
      '          delay: { fixed: 0s, percent: 120 }',
      '          abort: { httpStatus: 503, grpcStatus: 14, percent: 0.00001 }',
      '      - destinations: [ { weight: 100 } ]',
      '        fault: { abort: { httpStatus: 700, percent: 5 } }',
      '      - destinations: [ { weight: 100 } ]',
      '        fault: {}',
    ],
    errors: [
      ['7:27', 'services[0].routes[0].fault.delay.fixed', 'duration "0s" must be longer than zero'],
      ['7:40', 'services[0].routes[0].fault.delay.percent', 'expected a percentage from 0 to 100'],
      ['8:18', 'services[0].routes[0].fault.abort', 'set httpStatus or grpcStatus, not both'],
      ['8:62', 'services[0].routes[0].fault.abort.percent', 'expected a percentage from 0 to 100 (at most four decimals'],
      ['10:39', 'services[0].routes[1].fault.abort.httpStatus', 'expected an HTTP status from 200 to 599'],
      ['12:16', 'services[0].routes[2].fault', 'a fault needs a delay, an abort or both'],
    ],
  },
  {
    name: 'fault on a tcp route',
    lines: [
      'services:',
      '  - name: db',
      '    protocol: tcp',
      '    port: 5432',
      '    routes:',
      '      - destinations: [ { weight: 100 } ]',
      '        fault: { abort: { httpStatus: 503, percent: 5 } }',
    ],
    errors: [['7:16', 'services[0].routes[0].fault', 'tcp services have no requests to apply fault to']],
  },

  // route headers
  {
    name: 'route headers: names, protected headers and values checked',
    lines: [
      'services:',
      ...PAYMENTS,
      '    routes:',
      '      - destinations: [ { weight: 100 } ]',
      '        headers:',
      '          request: { set: { "bad name": x, host: other }, remove: [ ":path" ] }',
      '          response: { add: { x-ok: "a\\nb" }, drop: [ server ] }',
    ],
    errors: [
      ['7:29', 'services[0].routes[0].headers.request.set["bad name"]', '"bad name" is not a valid HTTP header name'],
      ['7:44', 'services[0].routes[0].headers.request.set.host', 'host cannot be changed here'],
      ['7:69', 'services[0].routes[0].headers.request.remove[0]', ':path cannot be changed here'],
      ['8:36', 'services[0].routes[0].headers.response.add.x-ok', 'cannot contain NUL, CR or LF'],
      ['8:46', 'services[0].routes[0].headers.response.drop', 'unknown key "drop"'],
    ],
  },

  // locality
  {
    name: 'locality rules: self-failover, a repeated caller, weights that do not sum to 100',
    lines: [
      'services:',
      ...PAYMENTS,
      '    trafficPolicy:',
      '      locality:',
      '        failover: [ { from: eu-west-1a, to: eu-west-1a } ]',
      '        distribute:',
      '          - { from: eu-west-1a, to: { eu-west-1a: 70, "eu west": 20 } }',
      '          - { from: us-east, to: { us-east-1a: 70, us-east-1b: 20 } }',
    ],
    errors: [
      ['6:45', 'services[0].trafficPolicy.locality.failover[0].to', 'failing over from eu-west-1a to itself changes nothing'],
      ['8:21', 'services[0].trafficPolicy.locality.distribute[0].from', 'callers in eu-west-1a already have a failover or distribute rule'],
      ['8:55', 'services[0].trafficPolicy.locality.distribute[0].to["eu west"]', '"eu west" is not a zone or region name'],
      ['9:34', 'services[0].trafficPolicy.locality.distribute[1].to', 'distribute weights must sum to 100, but 70 + 20 = 90'],
    ],
  },

  // retry budgets and health checks
  {
    name: 'retry budgets must agree across a service; budget values checked',
    lines: [
      'services:',
      ...PAYMENTS,
      '    routes:',
      '      - match: { pathPrefix: /a }',
      '        destinations: [ { weight: 100 } ]',
      '        retries: { attempts: 2, budget: { percent: 20 } }',
      '      - destinations: [ { weight: 100 } ]',
      '        retries: { attempts: 2, budget: { percent: 25, minConcurrency: 0 } }',
    ],
    errors: [
      ['9:41', 'services[0].routes[1].retries.budget', 'must match the one at line 7'],
      ['9:72', 'services[0].routes[1].retries.budget.minConcurrency', 'expected a positive integer'],
    ],
  },
  {
    name: 'health checks: one probe, valid values, a grpc probe only on a grpc service',
    lines: [
      'services:',
      ...PAYMENTS,
      '    trafficPolicy: { healthCheck: { http: { path: healthz }, tcp: true, interval: 0s } }',
      '  - name: carts',
      '    port: 8080',
      '    trafficPolicy: { healthCheck: { grpc: {} } }',
    ],
    errors: [
      ['4:35', 'services[0].trafficPolicy.healthCheck', 'probe one way, not http and tcp'],
      ['4:51', 'services[0].trafficPolicy.healthCheck.http.path', '"healthz" must start with "/"'],
      ['4:83', 'services[0].trafficPolicy.healthCheck.interval', 'must be longer than zero'],
      ['7:37', 'services[1].trafficPolicy.healthCheck.grpc', 'a grpc health check needs a grpc service (HTTP/2)'],
    ],
  },

  // mirroring
  {
    name: 'mirror targets: unknown service, missing subset, tcp, callers that may not call it',
    lines: [
      'mesh: { defaultPolicy: deny }',
      'services:',
      '  - name: frontend',
      '    port: 8080',
      '  - name: catalog',
      '    port: 8080',
      '    allow: [ frontend ]',
      '    routes:',
      '      - match: { pathPrefix: /a }',
      '        destinations: [ { weight: 100 } ]',
      '        mirror: { service: catalgo }',
      '      - match: { pathPrefix: /b }',
      '        destinations: [ { weight: 100 } ]',
      '        mirror: { service: shadow, subset: v9, percent: 101 }',
      '      - destinations: [ { weight: 100 } ]',
      '        mirror: { service: db }',
      '  - name: shadow',
      '    port: 8080',
      '    allow: []',
      '  - name: db',
      '    protocol: tcp',
      '    port: 5432',
      '    allow: [ frontend ]',
    ],
    errors: [
      ['11:28', 'services[1].routes[0].mirror.service', 'no service named catalgo; did you mean catalog?'],
      ['14:57', 'services[1].routes[1].mirror.percent', 'expected a percentage from 0 to 100'],
      ['16:28', 'services[1].routes[2].mirror.service', 'db is tcp; only HTTP and gRPC requests can be mirrored'],
    ],
  },
  {
    name: 'mirror to a service some caller may not call',
    lines: [
      'mesh: { defaultPolicy: deny }',
      'services:',
      '  - name: frontend',
      '    port: 8080',
      '  - name: catalog',
      '    port: 8080',
      '    allow: [ frontend ]',
      '    routes:',
      '      - destinations: [ { weight: 100 } ]',
      '        mirror: { service: shadow, subset: v9 }',
      '  - name: shadow',
      '    port: 8080',
      '    allow: []',
    ],
    errors: [
      ['10:28', 'services[1].routes[0].mirror.service', 'frontend may call catalog but not shadow, so their proxies could not send the copies'],
      ['10:44', 'services[1].routes[0].mirror.subset', 'no subset named v9: shadow defines none'],
    ],
  },

  // local rate limits
  {
    name: 'rate limits: a burst below the rate, a zero rate, a tcp service',
    lines: [
      'services:',
      ...PAYMENTS,
      '    rateLimit: { requestsPerSecond: 100, burst: 10 }',
      '  - name: carts',
      '    port: 8080',
      '    rateLimit: { requestsPerSecond: 0 }',
      '  - name: db',
      '    protocol: tcp',
      '    port: 5432',
      '    rateLimit: { requestsPerSecond: 5 }',
    ],
    errors: [
      ['4:49', 'services[0].rateLimit.burst', 'burst 10 is below requestsPerSecond 100'],
      ['7:37', 'services[1].rateLimit.requestsPerSecond', 'expected a positive integer'],
      ['11:16', 'services[2].rateLimit', 'tcp services have no requests to rate-limit'],
    ],
  },
];

describe('traffic policy errors', () => {
  for (const c of errorCases) {
    it(c.name, () => {
      const result = parseLines(c.lines);
      expect(result.config).toBeUndefined();
      expectFound(found(result.problems, 'error'), c.errors);
    });
  }
});

describe('traffic policy that parses', () => {
  it('an external service takes its port from external unless the service names one', () => {
    const result = parseLines([
      'services:',
      ...PAYMENTS,
      '  - name: provider',
      '    external: { hosts: [ api.example.com, api2.example.com ], port: 443, tls: originate }',
      '    allow: [ payments ]',
    ]);
    expect(result.problems).toEqual([]);
    expect(result.config?.services[1]).toMatchObject({ port: 443, external: { hosts: ['api.example.com', 'api2.example.com'], port: 443, tls: 'originate' } });
  });
});

describe('traffic policy warnings for proxyless gRPC', () => {
  it('a rate limit is applied by sidecars only', () => {
    const result = parseLines(['services:', '  - name: api', '    protocol: grpc', '    port: 8080', '    rateLimit: { requestsPerSecond: 10 }']);
    expect(found(result.problems, 'error')).toEqual([]);
    expectFound(found(result.problems, 'warning'), [['5:5', 'services[0].rateLimit', 'xDS-enabled gRPC servers do not rate-limit']]);
    expect(result.config?.services[0].rateLimit).toEqual({ requestsPerSecond: 10, burst: 10 });
  });

  it('health checks and retry budgets are Envoy-only', () => {
    const result = parseLines([
      'services:',
      '  - name: api',
      '    protocol: grpc',
      '    port: 8080',
      '    trafficPolicy: { healthCheck: { grpc: {} } }',
      '    routes:',
      '      - destinations: [ { weight: 100 } ]',
      '        retries: { attempts: 2, budget: { percent: 20 } }',
    ]);
    expect(found(result.problems, 'error')).toEqual([]);
    expectFound(found(result.problems, 'warning'), [
      ['5:22', 'services[0].trafficPolicy.healthCheck', 'proxyless gRPC clients do not health-check'],
      ['8:33', 'services[0].routes[0].retries.budget', 'proxyless gRPC clients ignore retry budgets'],
    ]);
  });

  it('route headers are ignored by gRPC clients', () => {
    const result = parseLines([
      'services:',
      '  - name: api',
      '    protocol: grpc',
      '    port: 8080',
      '    routes:',
      '      - destinations: [ { weight: 100 } ]',
      '        headers: { request: { set: { x-tenant: shop } } }',
    ]);
    expect(found(result.problems, 'error')).toEqual([]);
    expectFound(found(result.problems, 'warning'), [['7:9', 'services[0].routes[0].headers', 'proxyless gRPC clients ignore headers']]);
  });

  it('consistentHash on a cookie or the source IP pins a channel instead; a header is silent', () => {
    const result = parseLines([
      'services:',
      '  - name: carts',
      '    protocol: grpc',
      '    port: 8080',
      '    trafficPolicy: { loadBalancer: { consistentHash: { cookie: { name: session } } } }',
      '  - name: users',
      '    protocol: grpc',
      '    port: 8080',
      '    trafficPolicy: { loadBalancer: { consistentHash: { header: x-user } } }',
    ]);
    expect(found(result.problems, 'error')).toEqual([]);
    expectFound(found(result.problems, 'warning'), [
      ['5:54', 'services[0].trafficPolicy.loadBalancer.consistentHash', 'cannot hash a cookie; they pin each client channel to one backend instead'],
    ]);
    expect(result.config?.services[1].trafficPolicy).toEqual({ loadBalancer: 'ring_hash', consistentHash: { header: 'x-user' } });
  });

  it('external: one DNS name per cluster, and no TLS origination', () => {
    const result = parseLines([
      'services:',
      ...PAYMENTS,
      '  - name: provider',
      '    protocol: grpc',
      '    external: { hosts: [ a.example.com, b.example.com ], port: 443, tls: originate }',
      '    allow: [ payments ]',
    ]);
    expect(found(result.problems, 'error')).toEqual([]);
    expectFound(found(result.problems, 'warning'), [
      ['6:24', 'services[1].external.hosts', 'resolve one DNS name per cluster; they call a.example.com only'],
      ['6:74', 'services[1].external.tls', 'do not originate TLS'],
    ]);
  });
});
