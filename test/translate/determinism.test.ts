// translate is pure and deterministic (see ARCHITECTURE.md): same inputs, byte-identical resources, in an
// order that does not depend on the order of services in the file or of instances in the registry.
import { describe, expect, it } from 'vitest';
import type { MeshState } from '../../src/model';
import { RESOURCE_TYPE_URLS } from '../../src/proto/type-urls';
import type { ResourceSet } from '../../src/xds/resource-set';
import { proxyGroupKey, translateForProxy } from '../../src/translate/translate';
import { goldenCase, loadSuite } from './support/case-files';
import { envoy, grpcClient, proxyLabel } from './support/mesh-fixtures';
import { encodeResource } from './support/render';

const CASES = loadSuite('plaintext');

function encodeAll(resources: ResourceSet): string[] {
  return RESOURCE_TYPE_URLS.flatMap((t) => resources[t].map((r) => `${t} ${r.name} ${encodeResource(t, r.message).toString('base64')}`));
}

/** The same mesh with services listed in reverse and each service's instances in reverse. */
function reordered(state: MeshState): MeshState {
  const instances = new Map([...state.instances].reverse().map(([s, list]) => [s, [...list].reverse()]));
  return { ...state, config: { ...state.config, services: [...state.config.services].reverse() }, instances };
}

describe('determinism', () => {
  for (const c of CASES) {
    for (const proxy of c.proxies) {
      it(`${c.name} / ${proxyLabel(proxy)}: twice, and with inputs reordered, gives identical bytes and warnings`, () => {
        const first = translateForProxy(c.state, proxy);
        const second = translateForProxy(c.state, proxy);
        const shuffled = translateForProxy(reordered(c.state), proxy);
        expect(encodeAll(second.resources)).toEqual(encodeAll(first.resources));
        expect(encodeAll(shuffled.resources)).toEqual(encodeAll(first.resources));
        expect(second.warnings).toEqual(first.warnings);
        expect(shuffled.warnings).toEqual(first.warnings);
      });
    }
  }

  it('proxies of one kind and service share a group key and get identical resources; others do not share it', () => {
    const state = goldenCase('plaintext', 'shop-policy').state;
    const a = envoy('orders', 'orders-1');
    const b = envoy('orders', 'orders-2');
    expect(proxyGroupKey(state, a)).toBe(proxyGroupKey(state, b));
    expect(encodeAll(translateForProxy(state, b).resources)).toEqual(encodeAll(translateForProxy(state, a).resources));
    const keys = [a, envoy('frontend'), grpcClient('orders'), grpcClient('')].map((p) => proxyGroupKey(state, p));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
