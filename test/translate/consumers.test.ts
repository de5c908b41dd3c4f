// Translation per consumer (src/translate/consumers.ts). Each dialect rule exists because a real
// client NACKed the default form; the end-to-end proof that the client rejects the default and
// accepts the rule's form is test/translate/grpc-core-acceptance.test.ts. Here: which clients a
// rule applies to, what it changes, that the changed form still passes Envoy's protos and rules,
// and that clients no rule matches (Envoy, grpc-js-xds) get exactly what they got before.
import { describe, expect, it } from 'vitest';
import type { MeshState, ProxyClient, ProxyIdentity } from '../../src/model';
import { encodeMessage } from '../../src/proto/codec';
import { RESOURCE_TYPE_URLS, TypeUrl } from '../../src/proto/type-urls';
import { validateMessage } from '../../src/proto/validate';
import { proxyClientOf, proxyIdentityOf } from '../../src/publish/grouping';
import { consumerDialect, grpcCoreVersion } from '../../src/translate/consumers';
import { createTranslator, proxyGroupKey, translateForProxy } from '../../src/translate/translate';
import type { ResourceSet } from '../../src/xds/resource-set';
import { goldenCase } from './support/case-files';
import { envoy, grpcClient, instance, meshState, service } from './support/mesh-fixtures';

/** What each client sends in its node, as seen on the wire (C-core's from the Python e2e test's log). */
const CLIENTS = {
  cCorePython151: {
    name: 'gRPC C-core linux Python',
    version: 'C-core 29.0.0 Python 1.51.1',
    features: ['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw'],
  },
  grpcJsXds114: { name: 'gRPC Node Pure JS', version: '1.14.1', features: ['envoy.lb.does_not_support_overprovisioning'] },
  envoy: { name: 'envoy', version: '1.34.0', features: ['envoy.lb.does_not_support_overprovisioning', 'envoy.lrs.supports_send_all_clusters'] },
  grpcGo: { name: 'gRPC Go', version: '1.60.0', features: ['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw'] },
  grpcJava: { name: 'gRPC Java', version: '1.60.0', features: ['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw'] },
} satisfies Record<string, ProxyClient>;

function withClient(proxy: ProxyIdentity, client: ProxyClient): ProxyIdentity {
  return { ...proxy, client };
}

function encodeAll(resources: ResourceSet): string[] {
  return RESOURCE_TYPE_URLS.flatMap((t) => resources[t].map((r) => `${t} ${r.name} ${encodeMessage(t.split('/').pop()!, r.message).toString('base64')}`));
}

/** A service with a header-matched canary route: the piece C-core 1.51 NACKed in string_match form. */
function canaryState(): MeshState {
  return meshState(
    [
      service('frontend', { protocol: 'grpc' }),
      service('catalog', {
        protocol: 'grpc',
        subsets: { v1: { version: 'v1' }, v2: { version: 'v2' } },
        routes: [
          { match: { pathPrefix: '/', headers: { 'X-Canary': 'true', 'x-region': 'eu' } }, destinations: [{ subset: 'v2', weight: 100 }] },
          {
            match: { pathPrefix: '/' },
            destinations: [
              { subset: 'v1', weight: 90 },
              { subset: 'v2', weight: 10 },
            ],
            timeoutMs: 2000,
          },
        ],
        allow: ['frontend'],
      }),
    ],
    [instance('catalog', 'c1', '10.0.0.1', 8080, { labels: { version: 'v1' } }), instance('catalog', 'c2', '10.0.0.2', 8080, { labels: { version: 'v2' } })],
    { defaultPolicy: 'deny' },
  );
}

describe('which clients get which dialect', () => {
  it('C-core (any language, any version) gets every rule (header-exact-match, no-ring-hash, timeout-clock-skew); everyone else gets the default', () => {
    expect([...consumerDialect({ client: CLIENTS.cCorePython151 }).rules]).toEqual(['header-exact-match', 'no-ring-hash', 'timeout-clock-skew']);
    expect([...consumerDialect({ client: { ...CLIENTS.cCorePython151, name: 'gRPC C-core linux Ruby' } }).rules]).toEqual([
      'header-exact-match',
      'no-ring-hash',
      'timeout-clock-skew',
    ]);
    // An unparsable version still counts as C-core: the rule is keyed on the implementation.
    expect([...consumerDialect({ client: { ...CLIENTS.cCorePython151, version: '' } }).rules]).toEqual([
      'header-exact-match',
      'no-ring-hash',
      'timeout-clock-skew',
    ]);
    for (const c of [CLIENTS.grpcJsXds114, CLIENTS.envoy, CLIENTS.grpcGo, CLIENTS.grpcJava]) {
      expect(consumerDialect({ client: c }).key, c.name).toBe('');
    }
    expect(consumerDialect({}).key).toBe('');
  });

  it('reads the C-core version from user_agent_version', () => {
    expect(grpcCoreVersion(CLIENTS.cCorePython151)).toEqual([29, 0, 0]);
    expect(grpcCoreVersion(CLIENTS.grpcJsXds114)).toBeUndefined();
  });

  it('the node becomes a ProxyIdentity carrying the client, Envoy build versions included', () => {
    const id = proxyIdentityOf(
      {
        id: 'f-1',
        cluster: 'frontend',
        user_agent_name: CLIENTS.cCorePython151.name,
        user_agent_version: CLIENTS.cCorePython151.version,
        client_features: CLIENTS.cCorePython151.features,
        extension_names: [],
        listening_addresses: [],
        extensions: [],
      } as never,
      'frontend',
      false,
    );
    expect(id).toEqual({ kind: 'grpc', service: 'frontend', nodeId: 'f-1', authenticated: false, client: CLIENTS.cCorePython151 });
    const envoyNode = {
      id: 'e',
      cluster: 'x',
      user_agent_name: 'envoy',
      user_agent_build_version: { version: { major_number: 1, minor_number: 34, patch: 2 } },
      client_features: [],
    };
    expect(proxyClientOf(envoyNode as never)).toEqual({ name: 'envoy', version: '1.34.2', features: [] });
  });
});

describe('header-exact-match', () => {
  const state = canaryState();
  const plain = grpcClient('frontend');
  const core = withClient(plain, CLIENTS.cCorePython151);

  it('C-core gets exact_match with the same names and values; nothing else differs', () => {
    const def = translateForProxy(state, plain).resources;
    const got = translateForProxy(state, core).resources;
    const routes = (r: ResourceSet) =>
      r[TypeUrl.RouteConfiguration].map((x) => x.message as { virtual_hosts: Array<{ routes: Array<{ match: { headers?: unknown[] } }> }> });
    expect(routes(def)[0]!.virtual_hosts[0]!.routes[0]!.match.headers).toEqual([
      { name: 'x-canary', string_match: { exact: 'true' } },
      { name: 'x-region', string_match: { exact: 'eu' } },
    ]);
    expect(routes(got)[0]!.virtual_hosts[0]!.routes[0]!.match.headers).toEqual([
      { name: 'x-canary', exact_match: 'true' },
      { name: 'x-region', exact_match: 'eu' },
    ]);
    // Every other resource is byte-identical.
    const others = (r: ResourceSet) => encodeAll(r).filter((l) => !l.startsWith(TypeUrl.RouteConfiguration));
    expect(others(got)).toEqual(others(def));
    // The route without header matches differs only by its timeout (timeout-clock-skew: 2 s + 2 s).
    const second = (r: ResourceSet) => routes(r)[0]!.virtual_hosts[0]!.routes[1] as unknown as { route: { max_stream_duration: unknown } };
    expect(second(def).route.max_stream_duration).toEqual({ max_stream_duration: { seconds: 2 } });
    expect(second(got).route.max_stream_duration).toEqual({ max_stream_duration: { seconds: 4 } });
    expect({ ...second(got), route: { ...second(got).route, max_stream_duration: null } }).toEqual({
      ...second(def),
      route: { ...second(def).route, max_stream_duration: null },
    });
  });

  it("the exact_match form passes Envoy's protos and validate.rules", () => {
    const got = translateForProxy(state, core).resources;
    const problems = RESOURCE_TYPE_URLS.flatMap((t) =>
      got[t].flatMap((r) => validateMessage(t.split('/').pop()!, r.message).map((p) => `${r.name}: ${p.path}: ${p.message}`)),
    );
    expect(problems).toEqual([]);
  });

  it('an Envoy sidecar identified as Envoy keeps string_match', () => {
    const sidecar = withClient(envoy('frontend'), CLIENTS.envoy);
    const rds = translateForProxy(state, sidecar).resources[TypeUrl.RouteConfiguration];
    expect(JSON.stringify(rds.map((r) => r.message))).toContain('"string_match":{"exact":"true"}');
  });
});

describe('no-ring-hash', () => {
  const state = meshState(
    [
      service('client', { protocol: 'grpc' }),
      service('ring', { protocol: 'grpc', trafficPolicy: { loadBalancer: 'ring_hash' } }),
      service('mag', { protocol: 'grpc', trafficPolicy: { loadBalancer: 'maglev' } }),
      service('rr', { protocol: 'grpc', trafficPolicy: { loadBalancer: 'least_request' } }),
    ],
    [instance('ring', 'r1', '10.0.0.1', 80), instance('mag', 'm1', '10.0.0.2', 80), instance('rr', 'q1', '10.0.0.3', 80)],
  );
  const lb = (proxy: ProxyIdentity) =>
    Object.fromEntries(translateForProxy(state, proxy).resources[TypeUrl.Cluster].map((c) => [c.name, (c.message as { lb_policy: string }).lb_policy]));

  it('C-core gets ROUND_ROBIN where grpc-js-xds gets RING_HASH, with a warning saying why', () => {
    expect(lb(withClient(grpcClient('client'), CLIENTS.grpcJsXds114))).toMatchObject({ ring: 'RING_HASH', mag: 'RING_HASH', rr: 'ROUND_ROBIN' });
    const core = withClient(grpcClient('client'), CLIENTS.cCorePython151);
    expect(lb(core)).toMatchObject({ ring: 'ROUND_ROBIN', mag: 'ROUND_ROBIN', rr: 'ROUND_ROBIN' });
    const warnings = translateForProxy(state, core).warnings;
    expect(warnings).toContain(
      'ring: gRPC C-core clients are sent round_robin for the ring_hash load balancer (C-core 1.51 crashes on ring_hash; with no hash key it gives no affinity)',
    );
    expect(warnings).toContain(
      'mag: gRPC C-core clients are sent round_robin for the maglev load balancer (C-core 1.51 crashes on ring_hash; with no hash key it gives no affinity)',
    );
  });

  it('Envoy keeps RING_HASH and MAGLEV', () => {
    expect(lb(withClient(envoy('client'), CLIENTS.envoy))).toMatchObject({ ring: 'RING_HASH', mag: 'MAGLEV' });
  });
});

describe('timeout-clock-skew', () => {
  const state = meshState(
    [
      service('client', { protocol: 'grpc' }),
      service('t', {
        protocol: 'grpc',
        routes: [
          { match: { path: '/a' }, destinations: [{ weight: 100 }], timeoutMs: 300 },
          { match: { path: '/b' }, destinations: [{ weight: 100 }], timeoutMs: 0 },
          { match: { pathPrefix: '/' }, destinations: [{ weight: 100 }] },
        ],
      }),
    ],
    [instance('t', 't1', '10.0.0.1', 80)],
  );
  const durations = (proxy: ProxyIdentity) =>
    translateForProxy(state, proxy)
      .resources[TypeUrl.RouteConfiguration].filter((r) => r.name === 't')
      .flatMap((r) =>
        (r.message as { virtual_hosts: Array<{ routes: Array<{ route: { max_stream_duration?: unknown } }> }> }).virtual_hosts[0]!.routes.map(
          (x) => x.route.max_stream_duration,
        ),
      );

  it('C-core gets each route timeout plus 2 s; no timeout and 0 (no limit) stay as they are', () => {
    expect(durations(withClient(grpcClient('client'), CLIENTS.cCorePython151))).toEqual([
      { max_stream_duration: { seconds: 2, nanos: 300_000_000 } },
      { max_stream_duration: { seconds: 0 } },
      undefined,
    ]);
  });

  it('grpc-js-xds gets the timeout as written', () => {
    expect(durations(withClient(grpcClient('client'), CLIENTS.grpcJsXds114))).toEqual([
      { max_stream_duration: { seconds: 0, nanos: 300_000_000 } },
      { max_stream_duration: { seconds: 0 } },
      undefined,
    ]);
  });
});

describe('clients no rule matches get exactly what they got before', () => {
  for (const [label, state] of [
    ['canary', canaryState()],
    ['shop', goldenCase('plaintext', 'shop-policy').state],
  ] as const) {
    for (const [who, proxy, client] of [
      ['grpc-js-xds 1.14', grpcClient('frontend'), CLIENTS.grpcJsXds114],
      ['envoy (frontend)', envoy('frontend'), CLIENTS.envoy],
      ['envoy (orders)', envoy('orders'), CLIENTS.envoy],
      ['grpc-js-xds 1.14 (orders)', grpcClient('orders'), CLIENTS.grpcJsXds114],
    ] as const) {
      it(`${label} / ${who}: same bytes, same warnings, same group key as with no client known`, () => {
        const before = translateForProxy(state, proxy);
        const after = translateForProxy(state, withClient(proxy, client));
        expect(encodeAll(after.resources)).toEqual(encodeAll(before.resources));
        expect(after.warnings).toEqual(before.warnings);
        expect(proxyGroupKey(state, withClient(proxy, client))).toBe(proxyGroupKey(state, proxy));
      });
    }
  }
});

describe('groups split by consumer only where the output can differ', () => {
  const state = canaryState();
  it('C-core has its own group; C-core clients of any language share it; grpc-js, Go and Java stay in the default gRPC group', () => {
    const key = (c: ProxyClient) => proxyGroupKey(state, withClient(grpcClient('frontend'), c));
    expect(key(CLIENTS.cCorePython151)).toBe('grpc+header-exact-match+no-ring-hash+timeout-clock-skew:frontend');
    expect(key({ ...CLIENTS.cCorePython151, name: 'gRPC C-core linux Ruby', version: 'C-core 30.1.0 Ruby 1.52.0' })).toBe(
      'grpc+header-exact-match+no-ring-hash+timeout-clock-skew:frontend',
    );
    expect(key(CLIENTS.grpcJsXds114)).toBe('grpc:frontend');
    expect(key(CLIENTS.grpcGo)).toBe('grpc:frontend');
    expect(key(CLIENTS.grpcJava)).toBe('grpc:frontend');
  });

  it('a memoizing translator keeps the two dialects apart (no piece built for one is handed to the other)', () => {
    const t = createTranslator();
    const js = t.translate(state, withClient(grpcClient('frontend'), CLIENTS.grpcJsXds114)).resources;
    const core = t.translate(state, withClient(grpcClient('frontend'), CLIENTS.cCorePython151)).resources;
    const js2 = t.translate(state, withClient(grpcClient('frontend'), CLIENTS.grpcJsXds114)).resources;
    expect(JSON.stringify(js[TypeUrl.RouteConfiguration])).toContain('string_match');
    expect(JSON.stringify(core[TypeUrl.RouteConfiguration])).toContain('exact_match');
    expect(JSON.stringify(core[TypeUrl.RouteConfiguration])).not.toContain('string_match');
    expect(encodeAll(js2)).toEqual(encodeAll(js));
    // Clusters are memoized per consumer variant, so each dialect builds its own; the header rule leaves them equal.
    expect(encodeAll(core).filter((l) => l.startsWith(TypeUrl.Cluster))).toEqual(encodeAll(js).filter((l) => l.startsWith(TypeUrl.Cluster)));
  });
});
