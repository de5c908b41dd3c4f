// explain over every golden case: for each proxy of each case (plaintext and mTLS suites), every
// service it may call and every route of that service (or the catch-all), a request built to hit
// that route is explained over the resources the translator gives that proxy (encoded and decoded
// as the wire carries them). The answer must pick the route the mesh file says wins (first match,
// judged here on the mesh config, not the resources), split over the clusters and weights the
// route's destinations give, and name the right lines: the file:line:column of the route, its
// match and each destination, found independently with the yaml library. A service the proxy may
// not call must be refused at the source, naming the allow list or mesh.defaultPolicy.
import * as fs from 'node:fs';
import { LineCounter, isMap, isNode, isScalar, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_MESH_FILE_NAME, EXAMPLE_MESH_YAML, parseMeshFile } from '../../src/config';
import { explainCall, type ExplainRequest, type ProxyHoldings } from '../../src/explain/explain-call';
import { decodeReadable, type HeldResources } from '../../src/explain/held-resources';
import type { MeshConfig, ProxyIdentity, Route, ServicePolicy } from '../../src/model';
import { meshSecurity } from '../../src/translate/mesh-security';
import { mayCall, translateForProxy } from '../../src/translate/translate';
import { destinationClusterName, serviceClusterName } from '../../src/translate/names';
import type { ResourceSet } from '../../src/xds/resource-set';
import { TypeUrl } from '../../src/proto/type-urls';
import { loadSuite, type GoldenCase, type Suite } from '../translate/support/case-files';
import { encodeResource } from '../translate/support/render';

function held(resources: ResourceSet): HeldResources {
  const out = new Map<string, { name: string; resource: ReturnType<typeof decodeReadable> }[]>();
  for (const [typeUrl, list] of Object.entries(resources))
    out.set(
      typeUrl,
      list.map((r) => ({ name: r.name, resource: decodeReadable(typeUrl, encodeResource(typeUrl, r.message)) })),
    );
  return out;
}

/** The mesh text and file name of a case, as case-files.ts reads it (lines before --- blanked). */
function meshTextOf(c: GoldenCase): { text: string; file: string } {
  const text = fs.readFileSync(c.inputFile, 'utf8');
  if (/^embeddedMesh:\s*shop/m.test(text)) return { text: EXAMPLE_MESH_YAML, file: EXAMPLE_MESH_FILE_NAME };
  const marker = /^---(?:[ \t]|$)/m.exec(text)!;
  return { text: text.slice(0, marker.index).replace(/[^\n]/g, '') + text.slice(marker.index), file: c.inputFile };
}

/** file:line:column of a node found by its path in the YAML document, independently of src/config. */
function positionOf(text: string, file: string): (path: Array<string | number>) => string {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  return (path) => {
    const node = doc.getIn(path, true);
    if (!isNode(node) || !node.range) throw new Error(`no node at ${path.join('.')}`);
    const { line, col } = lines.linePos(node.range[0]);
    return `${file}:${line}:${col}`;
  };
}

/** file:line:column of a map key (a subset's name). */
function keyPositionOf(text: string, file: string): (mapPath: Array<string | number>, key: string) => string {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  return (mapPath, key) => {
    const map = doc.getIn(mapPath, true);
    const pair = isMap(map) ? map.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
    const range = isScalar(pair?.key) ? pair.key.range : undefined;
    if (!range) throw new Error(`no key ${key} at ${mapPath.join('.')}`);
    const { line, col } = lines.linePos(range[0]);
    return `${file}:${line}:${col}`;
  };
}

function requestFor(route: Route | undefined): Pick<ExplainRequest, 'path' | 'headers'> {
  if (!route) return { path: '/' };
  return { path: route.match.path ?? route.match.pathPrefix ?? '/', headers: { ...route.match.headers } };
}

/** The mesh file's rule: the first route whose match accepts the request. */
function winningRoute(service: ServicePolicy, req: Pick<ExplainRequest, 'path' | 'headers'>): number {
  return service.routes.findIndex((r) => {
    const path = req.path ?? '/';
    if (r.match.path !== undefined ? path !== r.match.path : !path.startsWith(r.match.pathPrefix ?? '/')) return false;
    return Object.entries(r.match.headers ?? {}).every(([k, v]) =>
      Object.entries(req.headers ?? {}).some(([rk, rv]) => rk.toLowerCase() === k.toLowerCase() && rv === v),
    );
  });
}

/** The clusters and weights the mesh route's destinations give (as translate/destinations.ts documents). */
function expectedSplit(service: ServicePolicy, route: Route | undefined): Map<string, number> {
  const weights = new Map<string, number>();
  for (const d of route?.destinations ?? []) {
    if (d.subset !== undefined && !(d.subset in service.subsets)) continue;
    const c = destinationClusterName(service.name, d.subset);
    weights.set(c, (weights.get(c) ?? 0) + d.weight);
  }
  const positive = [...weights].filter(([, w]) => w > 0);
  if (positive.length > 0) return new Map(positive);
  if (weights.size > 0) return new Map([...weights.keys()].map((c) => [c, 1]));
  return new Map([[serviceClusterName(service.name), 1]]);
}

function destinationsFor(c: GoldenCase, suite: Suite, target: string): ProxyHoldings[] {
  // In the mTLS suite the destination's own sidecar is translated too, so its RBAC is judged from resources.
  if (suite !== 'mtls') return [];
  const proxy: ProxyIdentity = { kind: 'envoy', service: target, nodeId: `${target}-1`, authenticated: true };
  return [{ nodeId: proxy.nodeId, resources: held(translateForProxy(c.state, proxy, { security: meshSecurity() }).resources) }];
}

for (const suite of ['plaintext', 'mtls'] as const) {
  describe(`explain over the ${suite} golden cases`, () => {
    for (const c of loadSuite(suite)) {
      it(`${c.name}`, () => {
        const { text, file } = meshTextOf(c);
        const parsed = parseMeshFile(text, file);
        expect(parsed.config, `${c.name} parses`).toBeDefined();
        const config: MeshConfig = c.state.config;
        const at = positionOf(text, file);
        const keyAt = keyPositionOf(text, file);
        let checked = 0;
        for (const proxy of c.proxies) {
          const translated = translateForProxy(c.state, proxy, suite === 'mtls' ? { security: meshSecurity() } : undefined);
          const source: ProxyHoldings = { nodeId: proxy.nodeId, resources: held(translated.resources) };
          if (proxy.kind === 'gateway') {
            // Not walked yet: explain must say so rather than report a refusal it did not find.
            const e = explainCall({ config, locations: parsed.locations!, source, destinations: [] }, { from: proxy.service, to: config.services[0]!.name });
            // A gateway that holds no listener (unproved, or unknown) has nothing to call from.
            const holdsListeners = translated.resources[TypeUrl.Listener].length > 0;
            expect(e.decision, `${c.name} gateway:${proxy.service}`).toBe(holdsListeners ? 'unexplained' : 'refused');
            checked++;
            continue;
          }
          config.services.forEach((target, k) => {
            if (target.protocol === 'tcp' && proxy.kind === 'grpc') return;
            const routes: Array<Route | undefined> =
              target.routes.length > 0 ? (target.protocol === 'tcp' ? [target.routes[0]] : [...target.routes]) : [undefined];
            routes.forEach((route, i) => {
              const req = requestFor(route);
              const e = explainCall(
                { config, locations: parsed.locations!, source, destinations: destinationsFor(c, suite, target.name) },
                { from: proxy.service, to: target.name, ...req },
              );
              const label = `${c.name} ${proxy.kind}:${proxy.service} → ${target.name} route ${i + 1}`;
              checked++;
              if (!mayCall(config, proxy.service, target)) {
                expect(e.decision, label).toBe('refused');
                expect(['listener', 'virtual-host', 'route-configuration'], label).toContain(e.refusedAt);
                const policyAt =
                  target.allow !== undefined ? at(['services', k, 'allow']) : config.mesh.defaultPolicy === 'deny' ? at(['mesh', 'defaultPolicy']) : undefined;
                if (policyAt)
                  expect(
                    e.steps.at(-1)!.mesh.map((m) => m.at),
                    label,
                  ).toContain(policyAt);
                return;
              }
              if (proxy.kind === 'envoy' && target.name === proxy.service) {
                expect(e.decision, label).toBe('refused');
                expect(e.summary, label).toContain('never routes to its own service');
                return;
              }
              // A tcp service whose port is taken on this sidecar is left out (translation warns): explain says so.
              if (translated.warnings.some((w) => w.includes(`tcp service ${target.name} `) && w.includes('is unreachable'))) {
                expect(e.decision, label).toBe('refused');
                expect(e.summary, label).toMatch(/port \d+ is taken|holds no listener/);
                return;
              }
              expect(e.decision, `${label}: ${e.summary}`).toBe('routed');
              const winner = target.protocol === 'tcp' ? (route ? 0 : -1) : winningRoute(target, req);
              const routeStep = e.steps.find((s) => s.step === 'route' && s.result === 'matched')!;
              if (winner >= 0) {
                expect(e.summary, label).toContain(`route ${winner + 1} `);
                expect(
                  routeStep.mesh.map((m) => m.at),
                  label,
                ).toContain(at(['services', k, 'routes', winner]));
                if (target.protocol !== 'tcp' && Object.keys(target.routes[winner]!.match).length > 0) {
                  expect(
                    routeStep.mesh.map((m) => m.at),
                    label,
                  ).toContain(at(['services', k, 'routes', winner, 'match']));
                }
                // Every earlier route is shown as skipped, at its own match's line.
                const skipped = e.steps.filter((s) => s.step === 'route' && s.result === 'skipped');
                expect(skipped.length, label).toBe(target.protocol === 'tcp' ? 0 : winner);
              } else {
                expect(e.summary, label).toContain('catch-all');
                expect(
                  routeStep.mesh.map((m) => m.at),
                  label,
                ).toContain(at(['services', k, 'name']));
              }
              const split = expectedSplit(target, winner >= 0 ? target.routes[winner] : undefined);
              const total = [...split.values()].reduce((a, b) => a + b, 0);
              expect(new Map(e.targets.map((t) => [t.cluster, t.probability])), label).toEqual(new Map([...split].map(([cl, w]) => [cl, w / total])));
              for (const t of e.targets) {
                const dest =
                  winner >= 0 ? target.routes[winner]!.destinations.findIndex((d) => destinationClusterName(target.name, d.subset) === t.cluster) : -1;
                if (dest >= 0)
                  expect(
                    t.mesh.map((m) => m.at),
                    `${label} ${t.cluster}`,
                  ).toContain(at(['services', k, 'routes', winner, 'destinations', dest]));
                if (t.subset !== undefined)
                  expect(
                    t.mesh.map((m) => m.at),
                    `${label} ${t.cluster}`,
                  ).toContain(keyAt(['services', k, 'subsets'], t.subset));
              }
            });
          });
        }
        expect(checked, `${c.name} explained something`).toBeGreaterThan(0);
      });
    }
  });
}
