// The shop: the mesh `switchyard serve` runs when no --config is given. Embedded as text, not
// shipped as a file, so an installed package needs nothing copied beside it; it goes through
// parseMeshFile like any operator's file, so it is held to the same rules.

import { parseMeshFile, type MeshParseResult } from './parse';

export const EXAMPLE_MESH_FILE_NAME = '<embedded shop mesh>';

export const EXAMPLE_MESH_YAML = `# The e-commerce shop: the public gateway -> frontend -> catalog / orders -> payments, db.
mesh:
  trustDomain: switchyard.local
  mtls: strict
  defaultPolicy: deny             # only the calls listed under allow are permitted
  accessLog: { to: stdout, format: json }   # every proxy logs each request and connection

# What the public may reach: an Envoy started with \`bootstrap envoy --gateway public\`.
gateways:
  - name: public                  # calls the mesh as spiffe://switchyard.local/svc/public
    listeners:
      - port: 8000
        protocol: http
        routes:
          - destinations: [ { service: frontend } ]
      - port: 8443
        protocol: https
        tls: { issuer: mesh, names: [ localhost ] }   # the mesh CA issues it; trust /v1/ca/bundle
        routes:
          - destinations: [ { service: frontend } ]

services:
  - name: frontend
    protocol: http
    port: 8080
    allow: [ public ]             # the gateway: the public reaches frontend and nothing else

  - name: catalog
    protocol: http
    port: 8080
    subsets:
      v1: { version: v1 }
      v2: { version: v2 }
    trafficPolicy:
      loadBalancer: least_request
      connectTimeout: 1s
      circuitBreaker: { maxConnections: 100, maxPendingRequests: 50, maxRequests: 200, maxRetries: 3 }
      outlierDetection: { consecutive5xx: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
    routes:
      - match: { pathPrefix: /, headers: { x-canary: "true" } }
        destinations: [ { subset: v2, weight: 100 } ]
      - match: { pathPrefix: / }
        destinations: [ { subset: v1, weight: 90 }, { subset: v2, weight: 10 } ]
        timeout: 2s
        retries: { attempts: 3, perTryTimeout: 500ms, retryOn: "5xx,reset,connect-failure" }
    allow: [ frontend ]

  - name: orders
    protocol: http
    port: 8080
    trafficPolicy:
      # Session affinity: a shopper's checkouts (same x-user-id) always reach the same orders instance.
      loadBalancer: { consistentHash: { header: x-user-id } }
    routes:
      - destinations: [ { weight: 100 } ]
        # Chaos testing, off: raise a percent to make frontend's calls to orders fail or slow down.
        fault: { delay: { fixed: 1s, percent: 0 }, abort: { httpStatus: 503, percent: 0 } }
    allow: [ frontend ]

  - name: payments
    protocol: http
    port: 8080
    trafficPolicy:
      connectTimeout: 1s
      # Deliberately small, so \`npm run demo\` can show it trip: a 4th concurrent call is refused.
      circuitBreaker: { maxRequests: 3 }
      outlierDetection:
        interval: 10s
        baseEjectionTime: 30s
        maxEjectionPercent: 50
        failurePercentage: { threshold: 50, minimumHosts: 2, requestVolume: 20 }
    allow: [ orders ]

  # Outside the mesh: the card processor payments calls out to. Its sidecar opens TLS to the
  # provider (checked against the system roots) and only payments is sent a route to it.
  - name: payment-provider
    protocol: http
    external: { hosts: [ api.payments-provider.example ], port: 443, tls: originate }
    allow: [ payments ]

  - name: db
    protocol: tcp
    port: 5432
    allow: [ catalog, orders ]
`;

export function parseExampleMesh(): MeshParseResult {
  return parseMeshFile(EXAMPLE_MESH_YAML, EXAMPLE_MESH_FILE_NAME);
}
