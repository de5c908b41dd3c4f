// createTranslator shares per-target pieces (clusters, endpoints, virtual hosts) between groups
// and states. Sharing must never change what a proxy gets: every proxy of every golden case,
// translated in one shared translator, equals a fresh translation, warnings included; and the
// sharing must really happen, or the scale it exists for is lost.
import { describe, expect, it } from 'vitest';
import type { MeshState } from '../../src/model';
import { encodeMessage } from '../../src/proto/codec';
import { RESOURCE_TYPE_URLS, TypeUrl } from '../../src/proto/type-urls';
import { meshSecurity } from '../../src/translate/mesh-security';
import type { ResourceSet } from '../../src/xds/resource-set';
import { createTranslator, translateForProxy, type TranslateOptions } from '../../src/translate/translate';
import { SplicingEncoder } from '../../src/xds/spliced-encoding';
import { goldenCase, loadSuite } from './support/case-files';
import { envoy, grpcClient, instance } from './support/mesh-fixtures';
import { encodeResource } from './support/render';

const CASES = loadSuite('plaintext');
const MTLS_CASES = loadSuite('mtls');

function encodeAll(resources: ResourceSet): string[] {
  return RESOURCE_TYPE_URLS.flatMap((t) => resources[t].map((r) => `${t} ${r.name} ${encodeResource(t, r.message).toString('base64')}`));
}

const suites: Array<{
  label: string;
  opts?: TranslateOptions;
  cases: ReadonlyArray<{ name: string; state: MeshState; proxies: readonly Parameters<typeof translateForProxy>[1][] }>;
}> = [
  { label: 'plaintext', cases: CASES },
  { label: 'meshSecurity', opts: { security: meshSecurity() }, cases: [...MTLS_CASES, ...CASES] },
];

describe('translation memo', () => {
  for (const suite of suites) {
    it(`${suite.label}: one shared translator over every case and proxy, in both orders, equals fresh translations`, () => {
      const shared = createTranslator(suite.opts);
      const all = suite.cases.flatMap((c) => c.proxies.map((p) => ({ c, p })));
      for (const { c, p } of [...all, ...[...all].reverse()]) {
        const fresh = translateForProxy(c.state, p, suite.opts);
        const reused = shared.translate(c.state, p);
        expect(encodeAll(reused.resources), `${c.name} ${p.kind}:${p.service}`).toEqual(encodeAll(fresh.resources));
        expect(reused.warnings, `${c.name} ${p.kind}:${p.service}`).toEqual(fresh.warnings);
      }
      expect(shared.memo.hits).toBeGreaterThan(0);
    });
  }

  it("callers share a target's objects; a registry change renews only the changed service's endpoints", () => {
    const shop = goldenCase('plaintext', 'shop-policy').state;
    const t = createTranslator({ security: meshSecurity() });
    const byName = (set: ResourceSet, type: string, name: string) => set[type as keyof ResourceSet].find((r) => r.name === name)?.message;
    const frontend = t.translate(shop, envoy('frontend')).resources;
    const orders = t.translate(shop, envoy('orders')).resources;
    // db is called by orders and catalog: both get the very same objects for it.
    expect(byName(frontend, TypeUrl.Cluster, 'catalog')).toBeDefined();
    expect(byName(orders, TypeUrl.Cluster, 'db')).toBe(t.translate(shop, envoy('catalog')).resources[TypeUrl.Cluster].find((r) => r.name === 'db')?.message);
    expect(byName(orders, TypeUrl.ClusterLoadAssignment, 'db')).toBe(
      t.translate(shop, envoy('catalog')).resources[TypeUrl.ClusterLoadAssignment].find((r) => r.name === 'db')?.message,
    );

    // New instances for payments only: a new state, as the registry would produce.
    const instances = new Map(shop.instances);
    instances.set('payments', [...(shop.instances.get('payments') ?? []), instance('payments', 'payments-9', '10.9.9.9', 15006)]);
    const next: MeshState = { ...shop, version: shop.version + 1, instances };
    const ordersNext = t.translate(next, envoy('orders')).resources;
    expect(byName(ordersNext, TypeUrl.ClusterLoadAssignment, 'db')).toBe(byName(orders, TypeUrl.ClusterLoadAssignment, 'db'));
    expect(byName(ordersNext, TypeUrl.ClusterLoadAssignment, 'payments')).not.toBe(byName(orders, TypeUrl.ClusterLoadAssignment, 'payments'));
    expect(encodeAll(ordersNext)).toEqual(encodeAll(translateForProxy(next, envoy('orders'), { security: meshSecurity() }).resources));
    expect(JSON.stringify(byName(ordersNext, TypeUrl.ClusterLoadAssignment, 'payments'))).toContain('10.9.9.9');
  });

  it('a proxy that proved its service and one that did not get different upstream clusters, each shared within its kind', () => {
    const c = goldenCase('mtls', 'strict');
    const t = createTranslator({ security: meshSecurity() });
    const proved = { ...envoy('frontend'), authenticated: true };
    const anon = { ...envoy('frontend', 'frontend-2'), authenticated: false };
    const a = t.translate(c.state, proved).resources[TypeUrl.Cluster].find((r) => r.name === 'catalog')!.message;
    const b = t.translate(c.state, anon).resources[TypeUrl.Cluster].find((r) => r.name === 'catalog')!.message;
    expect(JSON.stringify(a)).toContain('transport_socket');
    expect(JSON.stringify(b)).not.toContain('transport_socket');
    const g = t.translate(c.state, grpcClient('frontend')).resources[TypeUrl.Cluster].find((r) => r.name === 'catalog')!.message;
    expect(g).not.toBe(a);
  });
});

describe('spliced encoding', () => {
  it('encodes route configurations byte for byte as protobufjs encodes the whole message', () => {
    const splicer = new SplicingEncoder();
    let checked = 0;
    for (const c of [...CASES, ...MTLS_CASES]) {
      for (const p of c.proxies) {
        for (const r of translateForProxy(c.state, p, { security: meshSecurity() }).resources[TypeUrl.RouteConfiguration]) {
          const whole = encodeMessage('envoy.config.route.v3.RouteConfiguration', r.message);
          expect(splicer.encode('envoy.config.route.v3.RouteConfiguration', r.message).equals(whole), r.name).toBe(true);
          // Twice: the second time the virtual hosts come from the cache.
          expect(splicer.encode('envoy.config.route.v3.RouteConfiguration', r.message).equals(whole), r.name).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
