// What encode-once buys: the cost of encoding 1000 clusters against the cost of sending them,
// already encoded, to one more stream.
//   npx tsx bench/encode-once.ts
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { TypeUrl } from '../src/proto/type-urls';
import { SnapshotCache } from '../src/xds/snapshot-cache';
import { XdsServer } from '../src/xds/server';
import { encodeDiscoveryResponse } from '../src/xds/wire';
import { sotwClient } from '../test/support/ads-client';
import { resourceSet } from '../test/support/resources';
import type { NamedResource } from '../src/xds/resource-set';

const CLUSTERS = 1000;

function realisticCluster(i: number): NamedResource {
  const name = `outbound|8080||service-${i}.mesh`;
  return {
    name,
    message: {
      name,
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: name },
      connect_timeout: { seconds: 1 },
      lb_policy: 'LEAST_REQUEST',
      circuit_breakers: {
        thresholds: [{ max_connections: { value: 100 }, max_pending_requests: { value: 50 }, max_requests: { value: 200 }, max_retries: { value: 3 } }],
      },
      outlier_detection: { consecutive_5xx: { value: 5 }, interval: { seconds: 10 }, base_ejection_time: { seconds: 30 }, max_ejection_percent: { value: 50 } },
      common_lb_config: { healthy_panic_threshold: { value: 0 } },
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const ROUNDS = 15;
  const encodeMs: number[] = [];
  const assembleMs: number[] = [];
  const firstAssembleMs: number[] = [];
  let cache = new SnapshotCache();
  for (let r = 0; r < ROUNDS; r++) {
    // Fresh objects each round, so the encoder cannot reuse anything: this is the encode cost.
    cache = new SnapshotCache();
    const set = resourceSet({ [TypeUrl.Cluster]: Array.from({ length: CLUSTERS }, (_, i) => realisticCluster(i)) });
    const t0 = performance.now();
    const snap = cache.setSnapshot('g', set);
    encodeMs.push(performance.now() - t0);

    // The per-stream cost: pick the resources and assemble one response from encoded entries.
    // The first stream also builds each resource's Any entry once (lazily); later ones only copy.
    const assemble = () => {
      const t1 = performance.now();
      const resources = [...snap.resources(TypeUrl.Cluster).values()];
      encodeDiscoveryResponse({
        versionInfo: snap.typeVersion(TypeUrl.Cluster),
        typeUrl: TypeUrl.Cluster,
        nonce: '1',
        resourceEntries: resources.map((x) => x.sotwEntry),
        controlPlane: Buffer.alloc(0),
      });
      return performance.now() - t1;
    };
    firstAssembleMs.push(assemble());
    assembleMs.push(assemble());
  }

  // End to end: one more real stream receiving the 1000 encoded clusters.
  const server = new XdsServer({ cache, resolveGroup: () => ({ group: 'g' }) });
  const port = await server.listen('127.0.0.1:0');
  const e2eMs: number[] = [];
  let bytes = 0;
  const before = cache.encodeCount;
  for (let r = 0; r < ROUNDS; r++) {
    const c = sotwClient(`127.0.0.1:${port}`);
    const t0 = performance.now();
    c.send({ node: { id: `bench-${r}`, cluster: 'g' }, type_url: TypeUrl.Cluster });
    const res = await c.inbox.next(10_000);
    e2eMs.push(performance.now() - t0);
    bytes = res.resources.reduce((n, a) => n + a.value.length, 0);
    c.close();
  }
  const encodesDuringStreams = cache.encodeCount - before;
  await server.shutdown(500);

  const cpu = os.cpus();
  console.log(`encode-once: ${CLUSTERS} clusters, ${ROUNDS} rounds, median`);
  console.log(`machine: ${cpu.length} cores (${cpu[0]?.model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(`| step | median ms |`);
  console.log(`|---|---|`);
  console.log(`| encode ${CLUSTERS} clusters (first publish) | ${median(encodeMs).toFixed(2)} |`);
  console.log(`| assemble the CDS response for the first stream (builds Any entries once) | ${median(firstAssembleMs).toFixed(2)} |`);
  console.log(`| assemble the CDS response for one more stream | ${median(assembleMs).toFixed(2)} |`);
  console.log(`| one more real stream: request → full CDS response decoded by the client | ${median(e2eMs).toFixed(2)} |`);
  console.log(`resource bytes per response: ${bytes}; resources encoded while serving ${ROUNDS} extra streams: ${encodesDuringStreams}`);
  console.log(`server-side ratio (encode / per-stream assembly): ${(median(encodeMs) / median(assembleMs)).toFixed(0)}x`);
}

void main();
