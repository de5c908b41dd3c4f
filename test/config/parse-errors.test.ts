import { describe, expect, it } from 'vitest';
import { expectFound, found, parseLines, type Expected } from './problems';

interface Case {
  readonly name: string;
  readonly lines: readonly string[];
  readonly errors: readonly Expected[];
}

// A service that is valid on its own, to embed beside the line under test.
const ORDERS = ['  - name: orders', '    port: 8080'];

const cases: readonly Case[] = [
  // YAML itself
  {
    name: 'unterminated quote',
    lines: ['services:', '  - name: "catalog', '    port: 8080'],
    errors: [['4:1', '', 'invalid YAML: Missing closing "quote']],
  },
  {
    name: 'unterminated flow map',
    lines: ['services:', '  - { name: catalog, port: 8080'],
    errors: [['3:1', '', 'invalid YAML']],
  },
  {
    name: 'duplicate key, and the rest is still checked',
    lines: ['services:', '  - name: catalog', '    name: orders', '    port: http'],
    errors: [
      ['3:5', '', 'duplicate key name'],
      ['4:11', 'services[0].port', 'expected a port number from 1 to 65535, got the string "http"'],
    ],
  },
  {
    name: 'two documents',
    lines: ['services: []', '---', 'services: []'],
    errors: [['2:1', '', 'more than one YAML document']],
  },
  {
    name: 'empty file',
    lines: ['# nothing here'],
    errors: [['1:1', '', 'the file is empty']],
  },
  {
    name: 'alias to no anchor',
    lines: ['services:', '  - name: catalog', '    port: *httpPort'],
    errors: [['3:11', 'services[0].port', 'alias *httpPort names no anchor']],
  },

  // shape of the top and of mesh
  {
    name: 'top level is a list',
    lines: ['- name: catalog'],
    errors: [['1:1', '', 'expected a map, got a list']],
  },
  {
    name: 'misspelled top-level key, so services is missing too',
    lines: ['service: []'],
    errors: [
      ['1:1', 'service', 'unknown key "service"; did you mean services?'],
      ['1:1', 'services', 'missing services'],
    ],
  },
  {
    name: 'unknown key in mesh',
    lines: ['mesh:', '  trustDomian: shop.local', 'services: []'],
    errors: [['2:3', 'mesh.trustDomian', 'unknown key "trustDomian"; did you mean trustDomain?']],
  },
  {
    name: 'bad mtls mode',
    lines: ['mesh:', '  mtls: strikt', 'services: []'],
    errors: [['2:9', 'mesh.mtls', '"strikt" is not an mTLS mode; expected one of strict, permissive, disabled; did you mean strict?']],
  },
  {
    name: 'bad default policy',
    lines: ['mesh: { defaultPolicy: reject }', 'services: []'],
    errors: [['1:24', 'mesh.defaultPolicy', '"reject" is not a default policy; expected one of allow, deny']],
  },
  {
    name: 'trust domain with a scheme',
    lines: ['mesh:', '  trustDomain: spiffe://shop.local', 'services: []'],
    errors: [['2:16', 'mesh.trustDomain', 'is not a DNS-like name']],
  },
  {
    name: 'trust domain in upper case',
    lines: ['mesh:', '  trustDomain: Shop.Local', 'services: []'],
    errors: [['2:16', 'mesh.trustDomain', 'must be lowercase: shop.local']],
  },
  {
    name: 'mesh is a string',
    lines: ['mesh: strict', 'services: []'],
    errors: [['1:7', 'mesh', 'expected a map, got the string "strict"']],
  },

  // services
  {
    name: 'services is a map',
    lines: ['services:', '  catalog: { port: 8080 }'],
    errors: [['2:3', 'services', 'expected a list, got a map']],
  },
  {
    name: 'service without name and port',
    lines: ['services:', '  - protocol: http'],
    errors: [
      ['2:5', 'services[0].name', 'missing name'],
      ['2:5', 'services[0].port', 'missing port'],
    ],
  },
  {
    name: 'service name that is not a DNS label',
    lines: ['services:', '  - name: Catalog_V1', '    port: 8080'],
    errors: [['2:11', 'services[0].name', 'must be a DNS label']],
  },
  {
    name: 'bad protocol',
    lines: ['services:', '  - name: catalog', '    protocol: https', '    port: 8080'],
    errors: [['3:15', 'services[0].protocol', '"https" is not a protocol; expected one of http, grpc, tcp']],
  },
  {
    name: 'ports out of range or not integers',
    lines: ['services:', '  - { name: a, port: 0 }', '  - { name: b, port: 65536 }', '  - { name: c, port: 80.5 }', '  - { name: d, port: "8080" }'],
    errors: [
      ['2:22', 'services[0].port', 'expected a port number from 1 to 65535, got the number 0'],
      ['3:22', 'services[1].port', 'got the number 65536'],
      ['4:22', 'services[2].port', 'got the number 80.5'],
      ['5:22', 'services[3].port', 'got the string "8080"'],
    ],
  },
  {
    name: 'unknown key in a service',
    lines: ['services:', '  - name: catalog', '    port: 8080', '    subset: { v1: { version: v1 } }'],
    errors: [['4:5', 'services[0].subset', 'unknown key "subset"; did you mean subsets?']],
  },
  {
    name: 'duplicate service names',
    lines: ['services:', '  - name: catalog', '    port: 8080', '  - name: catalog', '    port: 9090'],
    errors: [['4:11', 'services[1].name', 'service catalog is already defined at line 2']],
  },

  // trafficPolicy
  {
    name: 'unknown key deep in a circuit breaker',
    lines: ['services:', '  - name: catalog', '    port: 8080', '    trafficPolicy:', '      circuitBreaker: { maxConnection: 10 }'],
    errors: [['5:25', 'services[0].trafficPolicy.circuitBreaker.maxConnection', 'did you mean maxConnections?']],
  },
  {
    name: 'bad load balancer',
    lines: ['services:', '  - name: catalog', '    port: 8080', '    trafficPolicy: { loadBalancer: leastrequest }'],
    errors: [
      [
        '4:36',
        'services[0].trafficPolicy.loadBalancer',
        '"leastrequest" is not a load balancer; expected one of round_robin, least_request, random, ring_hash, maglev; did you mean least_request?',
      ],
    ],
  },
  {
    name: 'circuit-breaker numbers must be positive integers',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    trafficPolicy:',
      '      circuitBreaker:',
      '        maxConnections: 0',
      '        maxPendingRequests: -5',
      '        maxRequests: 1.5',
      '        maxRetries: "3"',
    ],
    errors: [
      ['6:25', 'services[0].trafficPolicy.circuitBreaker.maxConnections', 'expected a positive integer, got the number 0'],
      ['7:29', 'services[0].trafficPolicy.circuitBreaker.maxPendingRequests', 'expected a positive integer, got the number -5'],
      ['8:22', 'services[0].trafficPolicy.circuitBreaker.maxRequests', 'expected a positive integer, got the number 1.5'],
      ['9:21', 'services[0].trafficPolicy.circuitBreaker.maxRetries', 'expected a positive integer, got the string "3"'],
    ],
  },
  {
    name: 'outlier percentages must be 0..100 and failurePercentage needs a threshold',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    trafficPolicy:',
      '      outlierDetection:',
      '        maxEjectionPercent: 101',
      '        failurePercentage: { minimumHosts: 2 }',
      '  - name: payments',
      '    port: 8080',
      '    trafficPolicy:',
      '      outlierDetection: { failurePercentage: { threshold: -1 } }',
    ],
    errors: [
      ['6:29', 'services[0].trafficPolicy.outlierDetection.maxEjectionPercent', 'expected a percentage, an integer from 0 to 100, got the number 101'],
      ['7:28', 'services[0].trafficPolicy.outlierDetection.failurePercentage.threshold', 'missing threshold'],
      ['11:59', 'services[1].trafficPolicy.outlierDetection.failurePercentage.threshold', 'got the number -1'],
    ],
  },
  {
    name: 'bad durations',
    lines: [
      'services:',
      '  - name: a',
      '    port: 8080',
      '    trafficPolicy: { connectTimeout: 1x }',
      '  - name: b',
      '    port: 8080',
      '    trafficPolicy: { connectTimeout: 5 }',
      '  - name: c',
      '    port: 8080',
      '    trafficPolicy: { connectTimeout: 0s }',
      '  - name: d',
      '    port: 8080',
      '    trafficPolicy: { connectTimeout: -1s }',
      '  - name: e',
      '    port: 8080',
      '    trafficPolicy: { outlierDetection: { interval: 0.5ms } }',
    ],
    errors: [
      ['4:38', 'services[0].trafficPolicy.connectTimeout', 'duration "1x" is not a duration like 250ms, 2s'],
      ['7:38', 'services[1].trafficPolicy.connectTimeout', 'got the number 5; a bare number has no unit, write e.g. 5s or 5ms'],
      ['10:38', 'services[2].trafficPolicy.connectTimeout', 'duration "0s" must be longer than zero'],
      ['13:38', 'services[3].trafficPolicy.connectTimeout', 'duration "-1s" is negative'],
      ['16:52', 'services[4].trafficPolicy.outlierDetection.interval', 'duration "0.5ms" is finer than a millisecond'],
    ],
  },

  // subsets
  {
    name: 'subset selector must be a map of strings',
    lines: ['services:', '  - name: catalog', '    port: 8080', '    subsets:', '      v1: v1', '      v2: { version: 2 }', '      "v 3": { version: v3 }'],
    errors: [
      ['5:11', 'services[0].subsets.v1', 'expected a map, got the string "v1"'],
      ['6:22', 'services[0].subsets.v2.version', 'expected a string, got the number 2; quote it to mean the text: "2"'],
      ['7:7', 'services[0].subsets["v 3"]', 'subset name "v 3" must be'],
    ],
  },

  // routes
  {
    name: 'weights that do not sum to 100',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    subsets: { v1: { version: v1 }, v2: { version: v2 } }',
      '    routes:',
      '      - destinations: [ { subset: v1, weight: 90 }, { subset: v2, weight: 20 } ]',
    ],
    errors: [['6:23', 'services[0].routes[0].destinations', 'destination weights must sum to 100, but 90 + 20 = 110']],
  },
  {
    name: 'weights must be non-negative integers, and are required beside another destination',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    subsets: { v1: { version: v1 }, v2: { version: v2 }, v3: { version: v3 } }',
      '    routes:',
      '      - destinations:',
      '          - { subset: v1, weight: -10 }',
      '          - { subset: v2, weight: 50.5 }',
      '          - { subset: v3 }',
    ],
    errors: [
      ['7:35', 'services[0].routes[0].destinations[0].weight', 'expected a non-negative integer, got the number -10'],
      ['8:35', 'services[0].routes[0].destinations[1].weight', 'got the number 50.5'],
      ['9:13', 'services[0].routes[0].destinations[2].weight', 'missing weight: a route with several destinations needs a weight on each'],
    ],
  },
  {
    name: 'destination naming an unknown subset',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    subsets: { v1: { version: v1 } }',
      '    routes:',
      '      - destinations: [ { subset: v1, weight: 50 }, { subset: canary, weight: 50 } ]',
    ],
    errors: [['6:63', 'services[0].routes[0].destinations[1].subset', 'no subset named canary: catalog defines v1']],
  },
  {
    name: 'destination naming a subset when there are none',
    lines: ['services:', '  - name: catalog', '    port: 8080', '    routes: [ { destinations: [ { subset: v1 } ] } ]'],
    errors: [['4:43', 'services[0].routes[0].destinations[0].subset', 'no subset named v1: catalog defines no subsets']],
  },
  {
    name: 'subset no route can reach',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    subsets:',
      '      v1: { version: v1 }',
      '      v2: { version: v2 }',
      '    routes:',
      '      - destinations: [ { subset: v1 } ]',
    ],
    errors: [['6:7', 'services[0].subsets.v2', 'subset v2 is unreachable: no route of catalog sends traffic to it']],
  },
  {
    name: 'the same subset twice in one route',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    subsets: { v1: { version: v1 } }',
      '    routes:',
      '      - destinations: [ { subset: v1, weight: 50 }, { subset: v1, weight: 50 } ]',
    ],
    errors: [['6:63', 'services[0].routes[0].destinations[1].subset', 'subset v1 is already a destination of this route at line 6; merge their weights']],
  },
  {
    name: 'route without destinations, and with an empty list',
    lines: ['services:', '  - name: catalog', '    port: 8080', '    routes:', '      - match: { pathPrefix: /api }', '      - destinations: []'],
    errors: [
      ['5:9', 'services[0].routes[0].destinations', 'missing destinations'],
      ['6:23', 'services[0].routes[1].destinations', 'a route needs at least one destination'],
    ],
  },
  {
    name: 'header matches are string to string',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    routes:',
      '      - match: { headers: { x-canary: true, x-build: 42, "bad header": x } }',
      '        destinations: [ { weight: 100 } ]',
    ],
    errors: [
      ['5:39', 'services[0].routes[0].match.headers.x-canary', 'expected a string, got the boolean true; quote it to mean the text: "true"'],
      ['5:54', 'services[0].routes[0].match.headers.x-build', 'got the number 42'],
      ['5:58', 'services[0].routes[0].match.headers["bad header"]', '"bad header" is not a valid HTTP header name'],
    ],
  },
  {
    name: 'path rules',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    routes:',
      '      - match: { pathPrefix: api }',
      '        destinations: [ { weight: 100 } ]',
      '      - match: { pathPrefix: /a, path: /a/b }',
      '        destinations: [ { weight: 100 } ]',
    ],
    errors: [
      ['5:30', 'services[0].routes[0].match.pathPrefix', '"api" must start with "/"'],
      ['7:40', 'services[0].routes[1].match.path', 'set either path or pathPrefix, not both'],
    ],
  },
  {
    name: 'retries need attempts and known conditions',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    routes:',
      '      - destinations: [ { weight: 100 } ]',
      '        retries: { perTryTimeout: 1s, retryOn: "5xx,conect-failure" }',
    ],
    errors: [
      ['6:18', 'services[0].routes[0].retries.attempts', 'missing attempts'],
      ['6:48', 'services[0].routes[0].retries.retryOn', 'unknown retry condition "conect-failure"; did you mean connect-failure?'],
    ],
  },
  {
    name: 'tcp routes can only split by weight',
    lines: [
      'services:',
      '  - name: db',
      '    protocol: tcp',
      '    port: 5432',
      '    routes:',
      '      - match: { headers: { x-db: primary } }',
      '        destinations: [ { weight: 100 } ]',
      '        timeout: 5s',
    ],
    errors: [
      ['6:18', 'services[0].routes[0].match.headers', 'tcp services cannot match on headers'],
      ['8:18', 'services[0].routes[0].timeout', 'tcp services have no requests to apply timeout to'],
    ],
  },

  // allow
  {
    name: 'allow naming an unknown service',
    lines: ['services:', '  - name: catalog', '    port: 8080', '    allow: [ orders, fronted ]', ...ORDERS],
    errors: [['4:22', 'services[0].allow[1]', 'allow names "fronted", which is not a service in this mesh']],
  },
  {
    name: 'allow naming a near miss of a real service',
    lines: ['services:', '  - name: catalog', '    port: 8080', '    allow: [ ordres ]', ...ORDERS],
    errors: [['4:14', 'services[0].allow[0]', 'did you mean orders?']],
  },
  {
    name: 'allow must be a list of strings',
    lines: ['services:', '  - name: catalog', '    port: 8080', '    allow: orders', ...ORDERS, '    allow: [ 7 ]'],
    errors: [
      ['4:12', 'services[0].allow', 'expected a list, got the string "orders"'],
      ['7:14', 'services[1].allow[0]', 'expected a string, got the number 7'],
    ],
  },

  // endpoints
  {
    name: 'endpoint addresses',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    endpoints:',
      '      - { address: 10.0.0.256 }',
      '      - { address: "[fd00::5]" }',
      '      - { address: 0.0.0.0 }',
      '      - { address: "not a host" }',
      '      - { port: 8080 }',
    ],
    errors: [
      ['5:20', 'services[0].endpoints[0].address', '"10.0.0.256" is not an IPv4 address, an IPv6 address or a DNS hostname'],
      ['6:20', 'services[0].endpoints[1].address', 'write the IPv6 address without brackets: fd00::5'],
      ['7:20', 'services[0].endpoints[2].address', '0.0.0.0 is the unspecified address'],
      ['8:20', 'services[0].endpoints[3].address', 'is not an IPv4 address'],
      ['9:9', 'services[0].endpoints[4].address', 'missing address'],
    ],
  },
  {
    name: 'endpoint fields and duplicates',
    lines: [
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    endpoints:',
      '      - { address: 10.0.0.5, weight: 0, labels: { version: 1 } }',
      '      - { address: fd00::5, port: 8080 }',
      '      - { address: "fd00::5" }',
    ],
    errors: [
      ['5:38', 'services[0].endpoints[0].weight', 'expected an endpoint weight, an integer from 1 to 128, got the number 0'],
      ['5:60', 'services[0].endpoints[0].labels.version', 'expected a string, got the number 1'],
      ['7:9', 'services[0].endpoints[2]', 'endpoint [fd00::5]:8080 is already listed at line 6'],
    ],
  },
];

describe('parseMeshFile reports every error with its place', () => {
  it.each(cases)('$name', ({ lines, errors }) => {
    const result = parseLines(lines);
    expectFound(found(result.problems, 'error'), errors);
    expect(result.config).toBeUndefined();
  });

  it('reports errors from every level of one file in one pass, in file order', () => {
    const result = parseLines([
      'mesh:',
      '  mtls: off',
      'services:',
      '  - name: catalog',
      '    port: 8080',
      '    subsets: { v1: { version: v1 } }',
      '    trafficPolicy: { connectTimeout: soon }',
      '    routes:',
      '      - destinations: [ { subset: v9, weight: 100 } ]',
      '    allow: [ nobody ]',
      '    colour: blue',
    ]);
    expectFound(found(result.problems, 'error'), [
      ['2:9', 'mesh.mtls', '"off" is not an mTLS mode'],
      ['6:16', 'services[0].subsets.v1', 'subset v1 is unreachable'],
      ['7:38', 'services[0].trafficPolicy.connectTimeout', 'duration "soon"'],
      ['9:35', 'services[0].routes[0].destinations[0].subset', 'no subset named v9'],
      ['10:14', 'services[0].allow[0]', '"nobody"'],
      ['11:5', 'services[0].colour', 'unknown key "colour"'],
    ]);
  });

  it('puts the file name in every location', () => {
    const { problems } = parseLines(['services: 3']);
    expect(problems).toEqual([
      {
        path: 'services',
        message: 'expected a list, got the number 3',
        location: { file: 'mesh.yaml', line: 1, column: 11 },
        severity: 'error',
      },
    ]);
  });
});
