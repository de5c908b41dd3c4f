// What the gateway golden cases cannot show (a golden case may not carry parser warnings): a
// route to a service whose allow list does not admit the gateway answers 403 and sends no cluster
// for it; tls-passthrough to such a service is left out; a gateway depends on the services it
// routes to; the gateway's problems in the mesh file are reported at their place; and the
// publisher's grouping recognises a gateway node only by its metadata naming node.cluster.
import { describe, expect, it } from 'vitest';
import { parseMeshFile } from '../../src/config/parse';
import type { MeshState, ProxyIdentity } from '../../src/model';
import { decodeMessage } from '../../src/proto/codec';
import { TypeUrl } from '../../src/proto/type-urls';
import { validateMessage } from '../../src/proto/validate';
import { proxyIdentityOf } from '../../src/publish/grouping';
import { meshSecurity } from '../../src/translate/mesh-security';
import { proxyDependencies, translateForProxy } from '../../src/translate/translate';
import { fakeMaterial } from './support/fake-ca';

const MESH = `
mesh: { mtls: strict, defaultPolicy: deny }
gateways:
  - name: public
    listeners:
      - port: 8080
        protocol: http
        routes:
          - match: { pathPrefix: /pay }
            destinations: [ { service: payments } ]
          - destinations: [ { service: frontend } ]
      - port: 9443
        protocol: tls-passthrough
        routes:
          - { sni: [ db.example ], service: db }
          - { sni: [ legacy.example ], service: legacy }
services:
  - { name: frontend, port: 8000, allow: [ public ] }
  - { name: payments, port: 8082, allow: [ frontend ] }
  - { name: db, protocol: tcp, port: 5432, allow: [ frontend ] }
  - { name: legacy, protocol: tcp, port: 6443, allow: [ public ] }
`;

const parsed = parseMeshFile(MESH, 'mesh.yaml');
const state: MeshState = {
  version: 1,
  config: parsed.config!,
  instances: new Map(),
  changedAt: 0,
  security: fakeMaterial(['public', 'frontend', 'payments', 'db', 'legacy']),
};
const gateway: ProxyIdentity = { kind: 'gateway', service: 'public', nodeId: 'public', authenticated: true };

describe('gateway translation', () => {
  it('warns at parse time about routes to services that do not admit the gateway', () => {
    expect(parsed.problems.map((p) => `${p.location?.line}:${p.location?.column} ${p.message}`)).toEqual([
      "10:40 payments does not allow gateway public (add it to payments's allow list); the gateway answers this route with 403",
      "15:45 db does not allow gateway public (add it to db's allow list); the gateway answers this route with 403",
    ]);
  });

  it('answers 403 for such a route, leaves out such a passthrough, and sends clusters only for admitted services', () => {
    const { resources, warnings } = translateForProxy(state, gateway, { security: meshSecurity() });
    for (const type of [TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.Cluster, TypeUrl.Secret] as const) {
      for (const r of resources[type]) expect(validateMessage(type, r.message), `${type} ${r.name}`).toEqual([]);
    }
    expect(resources[TypeUrl.Cluster].map((c) => c.name)).toEqual(['frontend', 'legacy']);
    const routes = resources[TypeUrl.RouteConfiguration][0]!.message as { virtual_hosts: Array<{ routes: Array<Record<string, unknown>> }> };
    expect(routes.virtual_hosts[0]!.routes[0]).toMatchObject({
      direct_response: { status: 403, body: { inline_string: 'gateway public may not call payments\n' } },
    });
    expect(routes.virtual_hosts[0]!.routes[1]).toMatchObject({ route: { cluster: 'frontend' } });
    const passthrough = resources[TypeUrl.Listener].find((l) => l.name === 'gateway|9443')!.message as {
      filter_chains: Array<{ filter_chain_match: { server_names: string[] }; filters: Array<{ typed_config: { type_url: string; value: Buffer } }> }>;
    };
    expect(passthrough.filter_chains.map((c) => c.filter_chain_match.server_names)).toEqual([['legacy.example']]);
    const tcp = decodeMessage<{ cluster: string }>(
      passthrough.filter_chains[0]!.filters[0]!.typed_config.type_url,
      passthrough.filter_chains[0]!.filters[0]!.typed_config.value,
    );
    expect(tcp.cluster).toBe('legacy');
    expect(warnings).toEqual(['public: tls-passthrough to db on port 9443 is left out: db does not allow gateway public']);
    // The gateway depends on the services it may call, so their registry changes are pushed to it.
    expect(proxyDependencies(state, gateway)).toEqual(['frontend', 'legacy']);
  });

  it('leaves out a tls-passthrough listener none of whose routes is allowed (Envoy refuses a listener without filter chains)', () => {
    const onlyDb: MeshState = {
      ...state,
      config: {
        ...state.config,
        gateways: [
          { name: 'public', listeners: [{ port: 9443, protocol: 'tls-passthrough', routes: [], passthrough: [{ sni: ['db.example'], service: 'db' }] }] },
        ],
      },
    };
    const { resources, warnings } = translateForProxy(onlyDb, gateway, { security: meshSecurity() });
    expect(resources[TypeUrl.Listener]).toEqual([]);
    expect(warnings).toContain('public: tls-passthrough listener on port 9443 is left out: none of its routes leads to a service that allows gateway public');
  });

  it('reports gateway mistakes with their places', () => {
    const r = parseMeshFile(
      [
        'gateways:',
        '  - name: frontend',
        '    listeners:',
        '      - { port: 80, protocol: http, tls: { certFile: /a, keyFile: /b }, routes: [ { destinations: [ { service: catalgo } ] } ] }',
        '      - { port: 80, protocol: https, routes: [] }',
        '      - { port: 443, protocol: tls-passthrough, routes: [ { sni: [ "*" ], service: frontend } ] }',
        'services:',
        '  - { name: frontend, port: 8000 }',
        '  - { name: catalog, port: 8080 }',
      ].join('\n'),
      'mesh.yaml',
    );
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.location?.line}:${p.location?.column} ${p.path}: ${p.message}`)).toEqual([
      '2:11 gateways[0].name: frontend is already a service; gateways and services share one namespace (allow lists and SPIFFE IDs name both)',
      '4:42 gateways[0].listeners[0].tls: tls is only for https listeners: http listeners are plaintext; use protocol: https to terminate TLS',
      '4:112 gateways[0].listeners[0].routes[0].destinations[0].service: no service named catalgo; did you mean catalog?',
      '5:9 gateways[0].listeners[1].tls: missing tls: the certificate an https listener presents: { certFile, keyFile } or { issuer: mesh, names: [...] }',
      '5:17 gateways[0].listeners[1].port: port 80 is already a listener of gateway frontend',
      '6:68 gateways[0].listeners[2].routes[0].sni[0]: "*" is not a host name or "*.domain"',
      '6:84 gateways[0].listeners[2].routes[0].service: tls-passthrough forwards whole connections, so its service must be protocol: tcp',
    ]);
  });
});

describe('grouping a gateway node', () => {
  const node = (metadata: Record<string, string>, cluster = 'public') => ({
    id: 'public',
    cluster,
    user_agent_name: 'envoy',
    metadata: { fields: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, { stringValue: v }])) },
  });
  it('is a gateway only when its metadata names node.cluster, which is what a token proves', () => {
    expect(proxyIdentityOf(node({ 'switchyard.io/gateway': 'public' }) as never, 'public', true)).toEqual({
      ...gateway,
      client: { name: 'envoy', version: '', features: [] },
    });
    expect(proxyIdentityOf(node({ 'switchyard.io/gateway': 'public' }, 'frontend') as never, 'frontend', true).kind).toBe('envoy');
    expect(proxyIdentityOf(node({ 'switchyard.io/service': 'public' }) as never, 'public', true).kind).toBe('envoy');
  });
});
