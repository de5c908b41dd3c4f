// meshSecurity(): the properties the golden files cannot show at a glance. Every resource passes
// Envoy's validation rules; no reference dangles, SDS secret names included; keys only reach a
// sidecar that proved its service; mtls: disabled is exactly PLAINTEXT; group keys separate what
// differs; RBAC follows `allow` and defaultPolicy; and grpc-js-xds accepts the gRPC clusters.
import { describe, expect, it } from 'vitest';
import { register } from '@grpc/grpc-js-xds';
import { validateBootstrapConfig } from '@grpc/grpc-js-xds/build/src/xds-bootstrap';
import { ClusterResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type';
import { EndpointResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type';
import { ListenerResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type';
import { RouteConfigurationResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type';
import type { XdsDecodeContext, XdsResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/xds-resource-type';
import { SECRET_NAMES, type MeshSettings, type MeshState, type MtlsMode, type ProxyIdentity } from '../../src/model';
import { validateMessage } from '../../src/proto/validate';
import { RESOURCE_TYPE_URLS, TypeUrl, type ResourceTypeUrl } from '../../src/proto/type-urls';
import { GRPC_CERTIFICATE_PROVIDER_INSTANCE, meshSecurity } from '../../src/translate/mesh-security';
import type { ResourceSet } from '../../src/xds/resource-set';
import { PLAINTEXT, proxyGroupKey, translateForProxy, type SecurityHooks } from '../../src/translate/translate';
import { goldenCase, loadSuite } from './support/case-files';
import { fakeKeyPair, PRIVATE_KEY_MARKER } from './support/fake-ca';
import { anonymous, envoy, grpcClient, mtlsProxyLabel } from './support/mesh-fixtures';
import { danglingReferences } from './support/references';
import { decodeReadable, encodeResource, TYPE_ORDER, typeNameOf } from './support/render';

const security = meshSecurity();
const translate = (state: MeshState, proxy: ProxyIdentity, hooks: SecurityHooks = security) => translateForProxy(state, proxy, { security: hooks });
const MTLS_CASES = loadSuite('mtls');
const allProxies = MTLS_CASES.flatMap((c) => c.proxies.map((proxy) => ({ c, proxy })));

/** The shop (frontend → catalog, orders; orders → payments, db; catalog → db) with mTLS `mode` and every certificate issued: the case of that name. */
function securedShop(mode: MtlsMode, mesh: Partial<MeshSettings> = {}): MeshState {
  const { state } = goldenCase('mtls', mode);
  if (state.config.mesh.mtls !== mode) throw new Error(`testdata/mtls/${mode}.in.yaml should have mtls: ${mode}`);
  return { ...state, config: { ...state.config, mesh: { ...state.config.mesh, ...mesh } } };
}

function encodeAll(resources: ResourceSet): string[] {
  return RESOURCE_TYPE_URLS.flatMap((t) => resources[t].map((r) => `${t} ${r.name} ${encodeResource(t, r.message).toString('base64')}`));
}

/** Every SDS secret name a listener or cluster refers to (inside packed transport sockets too). */
function referencedSecrets(resources: ResourceSet): Set<string> {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key.endsWith('sds_secret_config') && v && typeof v === 'object') names.add((v as { name: string }).name);
      if (key.endsWith('sds_secret_configs') && Array.isArray(v)) for (const c of v as { name: string }[]) names.add(c.name);
      walk(v);
    }
  };
  for (const typeUrl of [TypeUrl.Listener, TypeUrl.Cluster] as const) {
    for (const r of resources[typeUrl]) walk(decodeReadable(typeUrl, encodeResource(typeUrl, r.message)));
  }
  return names;
}

/** Every transport socket's and filter's typed_config type, for "is there TLS / RBAC anywhere". */
function packedTypes(resources: ResourceSet): string[] {
  return RESOURCE_TYPE_URLS.flatMap((t) => resources[t].map((r) => JSON.stringify(decodeReadable(t, encodeResource(t, r.message))))).flatMap((json) =>
    [...json.matchAll(/"@type":"type\.googleapis\.com\/([^"]+)"/g)].map((m) => m[1]),
  );
}

describe('meshSecurity: every resource passes validateMessage', () => {
  for (const { c, proxy } of allProxies) {
    it(`${c.name} / ${mtlsProxyLabel(proxy)}`, () => {
      const { resources } = translate(c.state, proxy);
      const problems: string[] = [];
      for (const { typeUrl } of TYPE_ORDER) {
        for (const r of resources[typeUrl]) {
          for (const p of validateMessage(typeNameOf(typeUrl), r.message)) problems.push(`${typeNameOf(typeUrl)} ${r.name}: ${p.path}: ${p.message}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('the validator can fail on a TLS context: a Secret with an unknown field and an empty SDS name is refused', () => {
    const problems = validateMessage('envoy.extensions.transport_sockets.tls.v3.Secret', { name: 'x', tls_certificate: { no_such_field: 1 } });
    expect(problems.length).toBeGreaterThan(0);
  });
});

describe('meshSecurity: references and key material', () => {
  for (const { c, proxy } of allProxies) {
    it(`${c.name} / ${mtlsProxyLabel(proxy)}: no dangling cluster, route or secret reference`, () => {
      const { resources } = translate(c.state, proxy);
      expect(danglingReferences(resources)).toEqual([]);
      const sent = new Set(resources[TypeUrl.Secret].map((s) => s.name));
      expect([...referencedSecrets(resources)].filter((n) => !sent.has(n))).toEqual([]);
    });
  }

  it('an authenticated sidecar with a certificate references both secrets and is sent both, with its own key pair', () => {
    const state = securedShop('strict');
    const { resources } = translate(state, envoy('catalog'));
    expect([...referencedSecrets(resources)].sort()).toEqual([SECRET_NAMES.trustBundle, SECRET_NAMES.workload].sort());
    const secrets = Object.fromEntries(
      resources[TypeUrl.Secret].map((s) => [s.name, decodeReadable(TypeUrl.Secret, encodeResource(TypeUrl.Secret, s.message))]),
    );
    expect(secrets[SECRET_NAMES.workload]).toEqual({
      name: 'default',
      tls_certificate: { certificate_chain: { inline_string: fakeKeyPair('catalog').certPem }, private_key: { inline_string: fakeKeyPair('catalog').keyPem } },
    });
    expect(secrets[SECRET_NAMES.trustBundle]).toEqual({
      name: 'ROOTCA',
      validation_context: { trusted_ca: { inline_string: state.security!.trustBundlePem } },
    });
  });

  for (const mode of ['strict', 'permissive'] as const) {
    it(`${mode}: an unauthenticated sidecar gets no secrets, references none, carries no key material and is warned`, () => {
      const state = securedShop(mode);
      for (const name of ['frontend', 'catalog', 'orders', 'db']) {
        const { resources, warnings } = translate(state, anonymous(envoy(name)));
        expect(resources[TypeUrl.Secret]).toEqual([]);
        expect(referencedSecrets(resources).size).toBe(0);
        expect(packedTypes(resources).filter((t) => t.includes('TlsContext'))).toEqual([]);
        const bytes = encodeAll(resources)
          .map((line) => Buffer.from(line.slice(line.lastIndexOf(' ') + 1), 'base64').toString('latin1'))
          .join('\n');
        expect(bytes).not.toContain(PRIVATE_KEY_MARKER);
        for (const s of ['frontend', 'catalog', 'orders', 'payments', 'db']) expect(bytes).not.toContain(fakeKeyPair(s).keyPem.split('\n')[1]);
        expect(warnings).toContain(`proxy did not prove service ${name} with an xDS token: it gets no certificates and cannot take part in mTLS`);
      }
    });
  }

  it('the key check can fail: an authenticated sidecar does carry its private key', () => {
    const { resources } = translate(securedShop('strict'), envoy('frontend'));
    const secretBytes = resources[TypeUrl.Secret].map((s) => encodeResource(TypeUrl.Secret, s.message).toString('latin1')).join('');
    expect(secretBytes).toContain(PRIVATE_KEY_MARKER);
  });

  it('proxyless gRPC clients never get secrets or SDS references, even when proved', () => {
    for (const mode of ['strict', 'permissive'] as const) {
      const { resources } = translate(securedShop(mode), { ...grpcClient('frontend'), authenticated: true });
      expect(resources[TypeUrl.Secret]).toEqual([]);
      expect(referencedSecrets(resources).size).toBe(0);
      expect(resources[TypeUrl.Cluster].length).toBeGreaterThan(0);
      for (const cluster of resources[TypeUrl.Cluster]) expect((cluster.message as { transport_socket?: object }).transport_socket).toBeDefined();
    }
  });
});

describe('meshSecurity: modes and group keys', () => {
  it('mtls disabled is exactly PLAINTEXT, for every proxy, authenticated or not', () => {
    const state = securedShop('disabled');
    for (const proxy of [envoy('frontend'), anonymous(envoy('frontend')), envoy('catalog'), envoy('db'), grpcClient('frontend'), grpcClient('')]) {
      const secured = translate(state, proxy);
      const plain = translate(state, proxy, PLAINTEXT);
      expect(encodeAll(secured.resources)).toEqual(encodeAll(plain.resources));
      expect(secured.warnings).toEqual(plain.warnings);
      expect(security.groupKeyPart(state, proxy)).toBe('');
    }
  });

  it('group keys separate authenticated from unauthenticated sidecars of one service, and only them', () => {
    for (const mode of ['strict', 'permissive'] as const) {
      const state = securedShop(mode);
      const key = (p: ProxyIdentity) => proxyGroupKey(state, p, { security });
      expect(key(envoy('catalog', 'a'))).toBe(key(envoy('catalog', 'b')));
      expect(key(anonymous(envoy('catalog', 'a')))).toBe(key(anonymous(envoy('catalog', 'b'))));
      expect(key(envoy('catalog'))).not.toBe(key(anonymous(envoy('catalog'))));
      // Equal keys, equal resources; different keys here because the resources differ.
      expect(encodeAll(translate(state, envoy('catalog', 'a')).resources)).toEqual(encodeAll(translate(state, envoy('catalog', 'b')).resources));
      expect(encodeAll(translate(state, envoy('catalog')).resources)).not.toEqual(encodeAll(translate(state, anonymous(envoy('catalog'))).resources));
      // gRPC output does not depend on authentication.
      expect(key(grpcClient('frontend'))).toBe(key({ ...grpcClient('frontend'), authenticated: true }));
      expect(encodeAll(translate(state, grpcClient('frontend')).resources)).toEqual(
        encodeAll(translate(state, { ...grpcClient('frontend'), authenticated: true }).resources),
      );
    }
  });

  it('is deterministic: twice, and with services, instances and certificates reordered, gives identical bytes and warnings', () => {
    const reordered = (state: MeshState): MeshState => ({
      ...state,
      config: { ...state.config, services: [...state.config.services].reverse() },
      instances: new Map([...state.instances].reverse().map(([s, list]) => [s, [...list].reverse()])),
      ...(state.security && { security: { ...state.security, certificates: new Map([...state.security.certificates].reverse()) } }),
    });
    for (const { c, proxy } of allProxies) {
      const a = translate(c.state, proxy);
      const b = translate(c.state, proxy);
      const shuffled = translate(reordered(c.state), proxy);
      expect(encodeAll(b.resources)).toEqual(encodeAll(a.resources));
      expect(encodeAll(shuffled.resources)).toEqual(encodeAll(a.resources));
      expect(b.warnings).toEqual(a.warnings);
      expect(shuffled.warnings).toEqual(a.warnings);
    }
  });

  it('strict: one TLS inbound chain requiring client certificates; permissive: tls_inspector, TLS and raw_buffer chains', () => {
    type Chain = {
      filter_chain_match?: { transport_protocol?: string };
      transport_socket?: { typed_config: { require_client_certificate?: { value: boolean } } };
    };
    type InboundListener = { filter_chains: Chain[]; listener_filters?: { name: string }[] };
    const inbound = (mode: 'strict' | 'permissive') => {
      const { resources } = translate(securedShop(mode), envoy('catalog'));
      const l = resources[TypeUrl.Listener].find((r) => r.name === 'inbound|15006')!;
      return decodeReadable(TypeUrl.Listener, encodeResource(TypeUrl.Listener, l.message)) as InboundListener;
    };
    const strict = inbound('strict');
    expect(strict.filter_chains).toHaveLength(1);
    expect(strict.filter_chains[0].transport_socket?.typed_config.require_client_certificate?.value).toBe(true);
    expect(strict.listener_filters).toBeUndefined();

    const permissive = inbound('permissive');
    expect(permissive.listener_filters?.map((f) => f.name)).toEqual(['envoy.filters.listener.tls_inspector']);
    expect(permissive.filter_chains.map((c) => [c.filter_chain_match?.transport_protocol, c.transport_socket !== undefined])).toEqual([
      ['tls', true],
      ['raw_buffer', false],
    ]);
  });

  it('upstream clusters verify the target SPIFFE ID and send SNI, in strict and permissive alike', () => {
    for (const mode of ['strict', 'permissive'] as const) {
      const { resources } = translate(securedShop(mode), envoy('frontend'));
      for (const r of resources[TypeUrl.Cluster].filter((c) => !c.name.startsWith('inbound|'))) {
        const c = decodeReadable(TypeUrl.Cluster, encodeResource(TypeUrl.Cluster, r.message)) as {
          transport_socket: {
            typed_config: {
              sni: string;
              common_tls_context: { combined_validation_context: { default_validation_context: { match_typed_subject_alt_names: object[] } } };
            };
          };
        };
        const tls = c.transport_socket.typed_config;
        expect(tls.sni).toBe(r.name);
        expect(tls.common_tls_context.combined_validation_context.default_validation_context.match_typed_subject_alt_names).toEqual([
          { san_type: 'URI', matcher: { exact: `spiffe://switchyard.local/svc/${r.name}` } },
        ]);
      }
      // The inbound cluster goes to the local app in plaintext.
      expect(
        (resources[TypeUrl.Cluster].find((c) => c.name === 'inbound|frontend')!.message as { transport_socket?: object }).transport_socket,
      ).toBeUndefined();
    }
  });

  it('the SPIFFE ID follows mesh.trustDomain', () => {
    const { resources } = translate(securedShop('strict', { trustDomain: 'corp.example' }), envoy('frontend'));
    expect(JSON.stringify(decodeReadable(TypeUrl.Cluster, encodeResource(TypeUrl.Cluster, resources[TypeUrl.Cluster][0].message)))).toContain(
      'spiffe://corp.example/svc/catalog',
    );
  });
});

describe('meshSecurity: RBAC from allow and defaultPolicy', () => {
  type Rules = {
    action?: string;
    policies?: Record<string, { principals: { authenticated: { principal_name: { exact: string } } }[]; permissions: object[] }>;
  };

  /** The RBAC rules on each inbound chain of `service`'s sidecar (undefined where there is no RBAC filter). */
  function inboundRules(state: MeshState, proxy: ProxyIdentity): (Rules | undefined)[] {
    const { resources } = translate(state, proxy);
    const l = resources[TypeUrl.Listener].find((r) => r.name === 'inbound|15006')!;
    const listener = decodeReadable(TypeUrl.Listener, encodeResource(TypeUrl.Listener, l.message)) as {
      filter_chains: { filters: { name: string; typed_config: { rules?: Rules; http_filters?: { name: string; typed_config: { rules?: Rules } }[] } }[] }[];
    };
    return listener.filter_chains.map((chain) => {
      const network = chain.filters.find((f) => f.name === 'envoy.filters.network.rbac');
      if (network) return network.typed_config.rules ?? {};
      const http = chain.filters[0].typed_config.http_filters?.find((f) => f.name === 'envoy.filters.http.rbac');
      return http ? (http.typed_config.rules ?? {}) : undefined;
    });
  }
  const principals = (rules: Rules | undefined) =>
    Object.values(rules?.policies ?? {}).flatMap((p) => p.principals.map((x) => x.authenticated.principal_name.exact));

  it("catalog allows frontend (and orders when listed): ALLOW with those callers' SPIFFE IDs, any permission", () => {
    const shop = securedShop('strict');
    expect(inboundRules(shop, envoy('catalog')).map(principals)).toEqual([['spiffe://switchyard.local/svc/frontend']]);
    const both = goldenCase('mtls', 'catalog-allow-orders').state;
    const [rules] = inboundRules(both, envoy('catalog'));
    expect(rules?.action).toBe('ALLOW');
    expect(principals(rules)).toEqual(['spiffe://switchyard.local/svc/frontend', 'spiffe://switchyard.local/svc/orders']);
    expect(Object.values(rules?.policies ?? {}).map((p) => p.permissions)).toEqual([[{ any: true }]]);
  });

  it('tcp services get network RBAC (db: orders, catalog)', () => {
    expect(inboundRules(securedShop('strict'), envoy('db')).map(principals)).toEqual([
      ['spiffe://switchyard.local/svc/orders', 'spiffe://switchyard.local/svc/catalog'],
    ]);
  });

  it('empty allow list and defaultPolicy deny without a list: RBAC with no policies; defaultPolicy allow without a list: no RBAC', () => {
    const defaults = goldenCase('mtls', 'rbac-defaults').state;
    expect(inboundRules(defaults, envoy('open'))).toEqual([undefined]);
    expect(inboundRules(defaults, envoy('raw'))).toEqual([undefined]);
    expect(inboundRules(defaults, envoy('closed'))).toEqual([{ action: 'ALLOW' }]);
    // The shop's frontend has no allow list and the shop's defaultPolicy is deny.
    expect(inboundRules(securedShop('strict'), envoy('frontend'))).toEqual([{ action: 'ALLOW' }]);
  });

  it('permissive: the same RBAC guards the TLS and the plaintext chain, so plaintext callers are denied where an allow list applies', () => {
    const [tls, plaintext] = inboundRules(securedShop('permissive'), envoy('catalog'));
    expect(principals(tls)).toEqual(['spiffe://switchyard.local/svc/frontend']);
    expect(plaintext).toEqual(tls);
  });

  it('disabled: no RBAC at all', () => {
    expect(inboundRules(securedShop('disabled'), envoy('catalog'))).toEqual([undefined]);
    expect(inboundRules(securedShop('disabled'), envoy('db'))).toEqual([undefined]);
  });

  it('a sidecar without a certificate still refuses callers where an allow list applies, and says so', () => {
    const { warnings } = translate(securedShop('strict'), anonymous(envoy('catalog')));
    expect(inboundRules(securedShop('strict'), anonymous(envoy('catalog'))).map(principals)).toEqual([['spiffe://switchyard.local/svc/frontend']]);
    expect(warnings.some((w) => w.startsWith('catalog: inbound calls are refused'))).toBe(true);
  });
});

describe('meshSecurity: grpc-js-xds accepts what proxyless clients are sent', () => {
  register();
  const bootstrapWith = (providers: Record<string, object>) =>
    validateBootstrapConfig({
      xds_servers: [{ server_uri: '127.0.0.1:18000', channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'translate-test', locality: {} },
      certificate_providers: providers,
    });
  const provider = {
    plugin_name: 'file_watcher',
    config: {
      certificate_file: '/var/run/switchyard/cert.pem',
      private_key_file: '/var/run/switchyard/key.pem',
      ca_certificate_file: '/var/run/switchyard/ca.pem',
      refresh_interval: '60s',
    },
  };
  const bootstrap = bootstrapWith({ [GRPC_CERTIFICATE_PROVIDER_INSTANCE]: provider });
  const context: XdsDecodeContext = { server: bootstrap.xdsServers[0], bootstrap };
  const RESOURCE_TYPES: readonly [ResourceTypeUrl, XdsResourceType][] = [
    [TypeUrl.Listener, ListenerResourceType.get()],
    [TypeUrl.RouteConfiguration, RouteConfigurationResourceType.get()],
    [TypeUrl.Cluster, ClusterResourceType.get()],
    [TypeUrl.ClusterLoadAssignment, EndpointResourceType.get()],
  ];
  const grpcProxies = allProxies.filter(({ proxy }) => proxy.kind === 'grpc');

  it('has gRPC cases with TLS to check', () => {
    expect(grpcProxies.filter(({ c }) => c.state.config.mesh.mtls !== 'disabled').length).toBeGreaterThanOrEqual(2);
  });

  for (const { c, proxy } of grpcProxies) {
    it(`${c.name} / ${mtlsProxyLabel(proxy)}`, () => {
      const { resources } = translate(c.state, proxy);
      const rejected: string[] = [];
      const security: Record<string, unknown> = {};
      for (const [typeUrl, resourceType] of RESOURCE_TYPES) {
        for (const r of resources[typeUrl]) {
          const result = resourceType.decode(context, { type_url: typeUrl, value: encodeResource(typeUrl, r.message) });
          if (result.error !== undefined) rejected.push(`${r.name}: ${result.error}`);
          if (typeUrl === TypeUrl.Cluster && result.value) security[r.name] = (result.value as { securityUpdate?: unknown }).securityUpdate;
        }
      }
      expect(rejected).toEqual([]);
      // What the client will actually do with it: providers from the bootstrap, the target's SPIFFE ID.
      for (const [name, update] of Object.entries(security)) {
        if (c.state.config.mesh.mtls === 'disabled') {
          expect(update).toBeUndefined();
          continue;
        }
        const service = name.split('/')[0];
        // An external service is outside the mesh: no mesh identity to verify (gRPC does not
        // originate TLS to one, warned at validate time).
        if (c.state.config.services.find((s) => s.name === service)?.external) {
          expect(update).toBeUndefined();
          continue;
        }
        expect(update).toEqual({
          caCertificateProviderInstance: GRPC_CERTIFICATE_PROVIDER_INSTANCE,
          identityCertificateProviderInstance: GRPC_CERTIFICATE_PROVIDER_INSTANCE,
          subjectAltNameMatchers: [expect.objectContaining({ exact: `spiffe://switchyard.local/svc/${service}` })],
        });
      }
    });
  }

  it('the check can fail: a bootstrap without the certificate provider makes grpc-js-xds reject the cluster', () => {
    const bare = bootstrapWith({});
    const { resources } = translate(securedShop('strict'), grpcClient('frontend'));
    const cluster = resources[TypeUrl.Cluster][0];
    const result = ClusterResourceType.get().decode(
      { server: bare.xdsServers[0], bootstrap: bare },
      { type_url: TypeUrl.Cluster, value: encodeResource(TypeUrl.Cluster, cluster.message) },
    );
    expect(result.error).toMatch(/certificate_provider_instance/);
  });

  it("the check can fail: an Envoy sidecar's SDS-based cluster is rejected by grpc-js-xds", () => {
    const { resources } = translate(securedShop('strict'), envoy('frontend'));
    const cluster = resources[TypeUrl.Cluster].find((c) => c.name === 'catalog')!;
    const result = ClusterResourceType.get().decode(context, { type_url: TypeUrl.Cluster, value: encodeResource(TypeUrl.Cluster, cluster.message) });
    expect(result.error).toBeDefined();
  });
});
