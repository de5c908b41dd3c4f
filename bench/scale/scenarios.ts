// The scale scenarios of `npm run bench`. Each returns plain numbers; run.ts prints them.
import { performance } from 'node:perf_hooks';
import { percentile, type Loadgen } from '../loadgen/loadgen';
import { EDS, type StreamMode } from '../loadgen/simulated-proxy';
import type { ServeProcess } from '../../test/support/serve-process';
import { connectAndSync, instanceAddress, putInstance, runConcurrently, sidecarFleet, startServer, type MeshShape } from './fleet';
import { cpuSeconds, peakRssBytes, rssBytes } from './process-stats';
import { serviceName } from './shape-mesh';

export interface ShapeResult {
  mode: StreamMode;
  sidecars: number;
  allSyncedMs: number;
  medianSyncedMs: number;
  serverCpuSeconds: number;
  serverPeakRssBytes: number;
  bytesSent: number;
  reconnects: number;
}

export async function shapeScenario(
  server: ServeProcess,
  shape: MeshShape,
  sidecars: number,
  mode: StreamMode,
  timeoutMs: number,
): Promise<{ result: ShapeResult; fleet: Loadgen }> {
  const pid = server.child.pid!;
  const cpu0 = cpuSeconds(pid);
  const fleet = sidecarFleet(server, shape, sidecars, mode);
  const synced = await connectAndSync(fleet, timeoutMs);
  return {
    fleet,
    result: {
      mode,
      sidecars,
      ...synced,
      serverCpuSeconds: cpuSeconds(pid) - cpu0,
      serverPeakRssBytes: peakRssBytes(pid),
      bytesSent: fleet.totals().bytesReceived,
      reconnects: fleet.totals().reconnects,
    },
  };
}

export interface ChurnResult {
  mode: StreamMode;
  changes: number;
  /** Per proxy and change: ms from the registry write to the proxy's EDS ACK, minus the debounce window. */
  proxyAckP50Ms: number;
  proxyAckP99Ms: number;
  /** Per change: ms until the last affected proxy ACKed, minus the debounce window. */
  allAckedP50Ms: number;
  allAckedP99Ms: number;
  bytesPerChangePerProxy: number;
  bytesPerChange: number;
}

/** One instance's port changes, `changes` times in turn; every sidecar that can call it (full mesh: all others) must ACK each. */
export async function churnScenario(
  server: ServeProcess,
  fleet: Loadgen,
  shape: MeshShape,
  mode: StreamMode,
  changes: number,
  debounceMs: number,
): Promise<ChurnResult> {
  const perProxy: number[] = [];
  const allAcked: number[] = [];
  const bytes0 = fleet.totals().bytesReceived;
  for (let c = 0; c < changes; c++) {
    const s = (c * 7919) % shape.services;
    // A sidecar is not sent its own service (its app calls itself directly), so all but the
    // changed service's own sidecars are affected.
    const affected = fleet.proxies.map((p) => p.options.node.cluster !== serviceName(s));
    const acked = new Array<number | undefined>(fleet.proxies.length);
    const t0 = performance.now();
    fleet.proxies.forEach((p, i) => {
      p.onAck = (typeUrl, at) => {
        if (typeUrl === EDS && acked[i] === undefined) acked[i] = at;
      };
    });
    await putInstance(server, serviceName(s), `${serviceName(s)}-0`, { ...instanceAddress(s, 0), port: 9000 + c });
    await fleet.waitFor((_p, i) => !affected[i] || acked[i] !== undefined, 60_000);
    const lat = acked.filter((_, i) => affected[i]).map((at) => at! - t0 - debounceMs);
    perProxy.push(...lat);
    allAcked.push(Math.max(...lat));
    for (const p of fleet.proxies) p.onAck = undefined;
    // Isolated changes, a second apart: a change arriving while the previous flush's echo is still
    // fresh is a burst, which the publisher deliberately batches (see the burst scenario).
    await new Promise((r) => setTimeout(r, Math.max(1000, debounceMs * 3)));
  }
  const bytes = fleet.totals().bytesReceived - bytes0;
  return {
    mode,
    changes,
    proxyAckP50Ms: percentile(perProxy, 50),
    proxyAckP99Ms: percentile(perProxy, 99),
    allAckedP50Ms: percentile(allAcked, 50),
    allAckedP99Ms: percentile(allAcked, 99),
    bytesPerChange: bytes / changes,
    bytesPerChangePerProxy: bytes / changes / fleet.proxies.length,
  };
}

export interface BurstResult {
  registrations: number;
  writeSeconds: number;
  edsPushesPerProxyP50: number;
  edsPushesPerProxyMax: number;
  convergedMs: number;
}

/**
 * `registrations` new instances written over one second; then waits for quiet. Convergence is
 * the last ACK after the burst began, measured once no proxy has received anything for a while.
 */
export async function burstScenario(server: ServeProcess, fleet: Loadgen, shape: MeshShape, registrations: number, debounceMs: number): Promise<BurstResult> {
  const edsBefore = fleet.proxies.map((p) => p.types.get(EDS)!.responses);
  const t0 = performance.now();
  const jobs = Array.from({ length: registrations }, (_, k) => async () => {
    // Spread evenly over one second, as registrations from a rolling deploy would arrive.
    const due = t0 + (k * 1000) / registrations;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const s = k % shape.services;
    await putInstance(server, serviceName(s), `burst-${k}`, instanceAddress(s, 100 + Math.floor(k / shape.services)));
  });
  await runConcurrently(jobs, 64);
  const writeSeconds = (performance.now() - t0) / 1000;
  const quietMs = debounceMs * 3 + 500;
  for (;;) {
    const last = Math.max(...fleet.proxies.map((p) => p.lastAckAt));
    if (performance.now() - last > quietMs) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const pushes = fleet.proxies.map((p, i) => p.types.get(EDS)!.responses - edsBefore[i]!);
  return {
    registrations,
    writeSeconds,
    edsPushesPerProxyP50: percentile(pushes, 50),
    edsPushesPerProxyMax: Math.max(...pushes),
    convergedMs: Math.max(...fleet.proxies.map((p) => p.lastAckAt)) - t0,
  };
}

export interface IdleResult {
  streams: number;
  services: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssPerStreamBytes: number;
  allSyncedMs: number;
}

/** Many synced streams doing nothing: what each costs the server in memory. */
export async function idleScenario(streams: number, shape: MeshShape, debounceMs: number): Promise<IdleResult> {
  const server = await startServer(shape, debounceMs);
  try {
    const pid = server.child.pid!;
    await new Promise((r) => setTimeout(r, 1000));
    const rssBefore = rssBytes(pid);
    const fleet = sidecarFleet(server, shape, streams, 'sotw');
    const { allSyncedMs } = await connectAndSync(fleet, 300_000);
    await new Promise((r) => setTimeout(r, 3000));
    const rssAfter = rssBytes(pid);
    await fleet.close();
    return {
      streams,
      services: shape.services,
      rssBeforeBytes: rssBefore,
      rssAfterBytes: rssAfter,
      rssPerStreamBytes: (rssAfter - rssBefore) / streams,
      allSyncedMs,
    };
  } finally {
    await server.stop();
  }
}
