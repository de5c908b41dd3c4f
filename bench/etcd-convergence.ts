// Convergence through etcd: a registry change written through replica A's admin API, until a
// raw ADS stream on replica B has the EDS push carrying it and ACKs it. Real etcd (Debian's
// etcd-server on loopback, started here), two real `switchyard serve` processes.
//   npm run build && npx tsx bench/etcd-convergence.ts [changes=200] [etcd members=1] [debounce=100ms]
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { TypeUrl } from '../src/proto/type-urls';
import { sotwClient } from '../test/support/ads-client';
import { startEtcd } from '../test/support/etcd-cluster';
import { adminJson } from '../test/support/serve-process';
import { openHttpMesh, startReplica, uniquePrefix, writeMesh } from '../test/etcd/replicas';
import type { DiscoveryResponse__Output } from '../src/generated/envoy/service/discovery/v3/DiscoveryResponse';

const MESH = openHttpMesh({ frontend: undefined, catalog: undefined });

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function main(): Promise<void> {
  const changes = Number(process.argv[2] ?? 200);
  const members = Number(process.argv[3] ?? 1);
  const debounce = process.argv[4] ?? '100ms';
  const etcd = await startEtcd(members);
  const prefix = uniquePrefix();
  const mesh = writeMesh(MESH);
  const a = await startReplica(etcd, prefix, ['--config', mesh, '--debounce', debounce]);
  const b = await startReplica(etcd, prefix, ['--config', mesh, '--debounce', debounce]);
  const put = (i: number) =>
    adminJson(a.adminUrl, 'PUT', '/v1/services/catalog/instances/catalog-1', { address: `10.0.${(i >> 8) & 255}.${i & 255}`, port: 15006 });
  try {
    await put(0);
    const node = { id: 'frontend-1', cluster: 'frontend', user_agent_name: 'envoy' };
    const stream = sotwClient(b.xdsAddress);
    const nextEds = async (): Promise<DiscoveryResponse__Output> => {
      for (;;) {
        const res = await stream.inbox.next(30_000);
        if (res.type_url === TypeUrl.ClusterLoadAssignment) return res;
        stream.ack(res);
      }
    };
    stream.send({ node, type_url: TypeUrl.Cluster, resource_names: [] });
    stream.send({ node, type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['catalog'] });
    stream.ack(await nextEds(), ['catalog']);

    const samples: number[] = [];
    for (let i = 1; i <= changes; i++) {
      const start = performance.now();
      const res = await put(i);
      if (res.status !== 200) throw new Error(`registration ${i} failed: ${res.status} ${JSON.stringify(res.body)}`);
      const eds = await nextEds();
      stream.ack(eds, ['catalog']);
      samples.push(performance.now() - start);
    }
    stream.close();
    console.log(`etcd members: ${members}, changes: ${changes}, debounce: ${debounce}`);
    console.log(`machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
    console.log('| registry change through A → ACK on B | ms |');
    console.log('|---|---|');
    console.log(`| p50 | ${percentile(samples, 50).toFixed(1)} |`);
    console.log(`| p99 | ${percentile(samples, 99).toFixed(1)} |`);
    console.log(`| max | ${Math.max(...samples).toFixed(1)} |`);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await etcd.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
