// What one more proxy group costs the publisher in a big full mesh: translate, validate and
// encode, for the first group (nothing shared yet) and for the ones after it.
//   npx tsx bench/translate-groups.ts [services=1000] [groups=50]
import { performance } from 'node:perf_hooks';
import { parseMeshFile } from '../src/config/parse';
import type { Instance, MeshState } from '../src/model';
import { RESOURCE_TYPE_URLS } from '../src/proto/type-urls';
import { validateMessage } from '../src/proto/validate';
import { createTranslator } from '../src/translate/translate';
import { SnapshotCache } from '../src/xds/snapshot-cache';
import { serviceName, shapeMeshYaml } from './scale/shape-mesh';

const services = Number(process.argv[2] ?? 1000);
const groups = Number(process.argv[3] ?? 50);

const parsed = parseMeshFile(shapeMeshYaml(services), 'bench.yaml');
if (!parsed.config) throw new Error(JSON.stringify(parsed.problems));
const instances = new Map<string, Instance[]>();
for (let s = 0; s < services; s++) {
  const name = serviceName(s);
  instances.set(
    name,
    [0, 1].map((i) => ({
      service: name,
      id: `${name}-${i}`,
      address: `10.0.${s % 250}.${i + 1}`,
      port: 15006,
      labels: {},
      weight: 1,
      health: 'healthy',
      renewedAt: 0,
      source: 'registered',
    })),
  );
}
const state: MeshState = { version: 1, config: parsed.config, instances, changedAt: Date.now() };

const translator = createTranslator();
const cache = new SnapshotCache();
const validated = new WeakSet<object>();
const rows: Array<{ translate: number; validate: number; encode: number; resources: number }> = [];
for (let g = 0; g < groups; g++) {
  const proxy = { kind: 'envoy' as const, service: serviceName(g), nodeId: `${serviceName(g)}-0`, authenticated: false };
  const t0 = performance.now();
  const { resources } = translator.translate(state, proxy);
  const t1 = performance.now();
  let count = 0;
  for (const typeUrl of RESOURCE_TYPE_URLS) {
    for (const r of resources[typeUrl] ?? []) {
      count++;
      if (validated.has(r.message)) continue;
      if (validateMessage(typeUrl, r.message).length > 0) throw new Error(`invalid ${r.name}`);
      validated.add(r.message);
    }
  }
  const t2 = performance.now();
  cache.setSnapshot(`g${g}`, resources);
  const t3 = performance.now();
  rows.push({ translate: t1 - t0, validate: t2 - t1, encode: t3 - t2, resources: count });
}
const avg = (k: 'translate' | 'validate' | 'encode', from: number) => (rows.slice(from).reduce((a, r) => a + r[k], 0) / (rows.length - from)).toFixed(2);
console.log(`${services} services, full mesh, ${groups} Envoy groups; resources per group: ${rows[0]!.resources}`);
console.log('| group | translate ms | validate ms | encode ms |');
console.log('|---|---|---|---|');
console.log(`| first | ${rows[0]!.translate.toFixed(2)} | ${rows[0]!.validate.toFixed(2)} | ${rows[0]!.encode.toFixed(2)} |`);
console.log(`| each later (mean) | ${avg('translate', 1)} | ${avg('validate', 1)} | ${avg('encode', 1)} |`);
console.log(`resources encoded in all: ${cache.encodeCount}`);
