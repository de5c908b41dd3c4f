// A registry-only change patches each group's last resources instead of translating it again.
// The patch must give exactly what a full translation of the new state gives, for every golden
// case, every proxy in it and every kind of instance change, or fall back to a full translation.
import { describe, expect, it } from 'vitest';
import type { Instance, MeshState } from '../../src/model';
import { RESOURCE_TYPE_URLS } from '../../src/proto/type-urls';
import { meshSecurity } from '../../src/translate/mesh-security';
import type { ResourceSet } from '../../src/xds/resource-set';
import { createTranslator, translateForProxy, type TranslateOptions } from '../../src/translate/translate';
import { goldenCase, loadSuite } from './support/case-files';
import { instance } from './support/mesh-fixtures';
import { encodeResource } from './support/render';

const CASES = loadSuite('plaintext');
const MTLS_CASES = loadSuite('mtls');

function encodeAll(resources: ResourceSet): string[] {
  return RESOURCE_TYPE_URLS.flatMap((t) => resources[t].map((r) => `${t} ${r.name} ${encodeResource(t, r.message).toString('base64')}`));
}

/** Registry-only successors of a state: for each service, an instance added, one removed, one turned unhealthy. */
function instanceChanges(state: MeshState): Array<{ label: string; next: MeshState; changed: Set<string> }> {
  const out: Array<{ label: string; next: MeshState; changed: Set<string> }> = [];
  for (const policy of state.config.services) {
    const name = policy.name;
    const current = state.instances.get(name) ?? [];
    const variants: Array<[string, readonly Instance[]]> = [
      ['added', [...current, instance(name, `${name}-new`, '10.99.0.7', 15006, { labels: { version: 'v2' } })]],
      ['removed', current.slice(1)],
      ['unhealthy', current.map((i, k) => (k === 0 ? { ...i, health: 'unhealthy' as const } : i))],
    ];
    for (const [label, list] of variants) {
      const instances = new Map(state.instances);
      instances.set(name, list);
      out.push({ label: `${name} ${label}`, next: { ...state, version: state.version + 1, instances }, changed: new Set([name]) });
    }
  }
  return out;
}

const suites: Array<{
  label: string;
  opts?: TranslateOptions;
  cases: ReadonlyArray<{ name: string; state: MeshState; proxies: readonly Parameters<typeof translateForProxy>[1][] }>;
}> = [
  { label: 'plaintext', cases: CASES },
  { label: 'meshSecurity', opts: { security: meshSecurity() }, cases: MTLS_CASES },
];

describe('patching a group after a registry-only change', () => {
  for (const suite of suites) {
    it(`${suite.label}: equals a full translation of the new state, for every case, proxy and change`, () => {
      const t = createTranslator(suite.opts);
      let patched = 0;
      let fellBack = 0;
      for (const c of suite.cases) {
        for (const proxy of c.proxies) {
          const previous = t.translate(c.state, proxy).resources;
          for (const { label, next, changed } of instanceChanges(c.state)) {
            const result = t.patch(c.state, next, proxy, previous, changed);
            if (!result) {
              fellBack++;
              continue;
            }
            patched++;
            expect(encodeAll(result.resources), `${c.name} ${proxy.kind}:${proxy.service} ${label}`).toEqual(
              encodeAll(translateForProxy(next, proxy, suite.opts).resources),
            );
          }
        }
      }
      expect(patched).toBeGreaterThan(50);
      // Only gRPC proxies whose own instances changed need a full translation (server listeners).
      expect(fellBack).toBeLessThan(patched);
    });
  }

  it('refuses to patch when the mesh file or certificates changed', () => {
    const c = goldenCase('plaintext', 'shop-policy');
    const t = createTranslator();
    const proxy = c.proxies[0]!;
    const previous = t.translate(c.state, proxy).resources;
    const newConfig: MeshState = { ...c.state, config: { ...c.state.config } };
    expect(t.patch(c.state, newConfig, proxy, previous, new Set(['catalog']))).toBeUndefined();
    const newSecurity: MeshState = { ...c.state, security: { trustBundlePem: 'x', certificates: new Map() } };
    expect(t.patch(c.state, newSecurity, proxy, previous, new Set(['catalog']))).toBeUndefined();
  });
});
