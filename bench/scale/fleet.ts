// A switchyard server with a generated mesh and registry, plus a fleet of simulated sidecars
// connected to it: the common set-up of every scale scenario.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Loadgen } from '../loadgen/loadgen';
import type { StreamMode } from '../loadgen/simulated-proxy';
import { startServe, tempDir, type ServeProcess } from '../../test/support/serve-process';
import { serviceName, shapeMeshYaml } from './shape-mesh';

export interface MeshShape {
  services: number;
  instancesPerService: number;
}

/** Node flags for the server process, e.g. `--cpu-prof --cpu-prof-dir=DIR` (bench/run.ts --profile). */
export const serverNodeArgs: string[] = [];

export async function startServer(shape: MeshShape, debounceMs: number): Promise<ServeProcess> {
  const dir = tempDir('switchyard-bench-');
  const meshFile = path.join(dir, 'mesh.yaml');
  fs.writeFileSync(meshFile, shapeMeshYaml(shape.services));
  const server = await startServe(['--config', meshFile, '--debounce', `${debounceMs}ms`], { dataDir: path.join(dir, 'data'), nodeArgs: serverNodeArgs });
  await registerInstances(server, shape);
  return server;
}

export function instanceAddress(service: number, instance: number): { address: string; port: number } {
  return { address: `10.${(service >> 8) & 255}.${service & 255}.${instance + 1}`, port: 8080 };
}

/** Registers every instance through the admin API, a few dozen requests in flight at a time. */
async function registerInstances(server: ServeProcess, shape: MeshShape): Promise<void> {
  const jobs: Array<() => Promise<void>> = [];
  for (let s = 0; s < shape.services; s++) {
    for (let i = 0; i < shape.instancesPerService; i++) jobs.push(() => putInstance(server, serviceName(s), `${serviceName(s)}-${i}`, instanceAddress(s, i)));
  }
  await runConcurrently(jobs, 32);
}

export async function putInstance(server: ServeProcess, service: string, id: string, body: { address: string; port: number }): Promise<void> {
  const put = () =>
    fetch(`${server.adminUrl}/v1/services/${service}/instances/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  // PUT is idempotent, so a request lost to a keep-alive connection the server was closing just
  // then (ECONNRESET) is simply sent again.
  const res = await put().catch(put);
  if (res.status !== 200) throw new Error(`PUT ${service}/${id}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

export async function runConcurrently(jobs: ReadonlyArray<() => Promise<void>>, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );
}

/** `count` Envoy-shaped sidecars spread over the services (sidecar i fronts service i mod N). */
export function sidecarFleet(server: ServeProcess, shape: MeshShape, count: number, mode: StreamMode): Loadgen {
  return new Loadgen({
    target: server.xdsAddress,
    count,
    mode,
    shape: 'envoy',
    node: (i) => ({
      id: `${serviceName(i % shape.services)}-${Math.floor(i / shape.services)}`,
      cluster: serviceName(i % shape.services),
      userAgentName: 'envoy',
    }),
  });
}

/** Connects the fleet and waits until every proxy is synced; returns ms from first connect to the last sync. */
export async function connectAndSync(fleet: Loadgen, timeoutMs: number): Promise<{ allSyncedMs: number; medianSyncedMs: number }> {
  const t0 = performance.now();
  fleet.start();
  await fleet.waitSynced(timeoutMs);
  const err = fleet.firstError();
  if (err) throw err;
  const times = fleet.proxies.map((p) => p.syncedAt! - t0).sort((a, b) => a - b);
  return { allSyncedMs: times[times.length - 1]!, medianSyncedMs: times[Math.floor(times.length / 2)]! };
}
