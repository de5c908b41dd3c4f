// `npm run bench`: the scale scenarios against real `switchyard serve` processes, printed as
// Markdown tables (the form bench/RESULTS.md keeps them in).
//   npm run bench -- [--services 1000] [--instances 2] [--sidecars 2000] [--changes 20]
//                    [--burst 500] [--idle 10000] [--only shape,churn,burst,idle] [--debounce 100]
//                    [--profile DIR]
import { parseArgs } from 'node:util';
import type { ServeProcess } from '../test/support/serve-process';
import type { StreamMode } from './loadgen/simulated-proxy';
import { serverNodeArgs, startServer, type MeshShape } from './scale/fleet';
import { machineDescription } from './scale/process-stats';
import {
  burstScenario,
  churnScenario,
  idleScenario,
  shapeScenario,
  type BurstResult,
  type ChurnResult,
  type IdleResult,
  type ShapeResult,
} from './scale/scenarios';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    instances: { type: 'string', default: '2' },
    sidecars: { type: 'string', default: '2000' },
    changes: { type: 'string', default: '20' },
    burst: { type: 'string', default: '500' },
    idle: { type: 'string', default: '10000' },
    only: { type: 'string', default: 'shape,churn,burst,idle' },
    debounce: { type: 'string', default: '100' },
    profile: { type: 'string' },
  },
});
// Each server writes a V8 CPU profile into this directory when it exits.
if (values.profile) serverNodeArgs.push('--cpu-prof', `--cpu-prof-dir=${values.profile}`);

const shape: MeshShape = { services: Number(values.services), instancesPerService: Number(values.instances) };
const sidecars = Number(values.sidecars);
const debounceMs = Number(values.debounce);
const only = new Set(values.only.split(','));

const mb = (b: number) => (b / 2 ** 20).toFixed(1);
const kb = (b: number) => (b / 1024).toFixed(1);
const ms = (x: number) => x.toFixed(0);

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function printShape(r: ShapeResult): void {
  console.log(`### shape (${r.mode}): every sidecar connects at once; until all are synced (CDS, EDS, LDS, RDS ACKed)\n`);
  console.log(
    table(
      ['stream', 'sidecars', 'all synced (ms)', 'median synced (ms)', 'server CPU (s)', 'server peak RSS (MB)', 'bytes sent (MB)', 'reconnects'],
      [
        [
          r.mode,
          String(r.sidecars),
          ms(r.allSyncedMs),
          ms(r.medianSyncedMs),
          r.serverCpuSeconds.toFixed(2),
          mb(r.serverPeakRssBytes),
          mb(r.bytesSent),
          String(r.reconnects),
        ],
      ],
    ),
  );
  console.log();
}

function printChurn(r: ChurnResult): void {
  console.log(
    `### churn (${r.mode}): one instance's port changes; every sidecar that calls it must ACK the new endpoints (times after the ${debounceMs} ms debounce)\n`,
  );
  console.log(
    table(
      [
        'stream',
        'changes',
        'proxy ACK p50 (ms)',
        'proxy ACK p99 (ms)',
        'all ACKed p50 (ms)',
        'all ACKed p99 (ms)',
        'bytes per change per proxy',
        'bytes per change, all proxies (MB)',
      ],
      [
        [
          r.mode,
          String(r.changes),
          ms(r.proxyAckP50Ms),
          ms(r.proxyAckP99Ms),
          ms(r.allAckedP50Ms),
          ms(r.allAckedP99Ms),
          r.bytesPerChangePerProxy.toFixed(0),
          mb(r.bytesPerChange),
        ],
      ],
    ),
  );
  console.log();
}

function printBurst(r: BurstResult): void {
  console.log('### burst: new instances registered within one second (SotW fleet)\n');
  console.log(
    table(
      ['registrations', 'write time (s)', 'EDS pushes per proxy p50', 'EDS pushes per proxy max', 'converged after (ms)'],
      [[String(r.registrations), r.writeSeconds.toFixed(2), String(r.edsPushesPerProxyP50), String(r.edsPushesPerProxyMax), ms(r.convergedMs)]],
    ),
  );
  console.log();
}

function printIdle(r: IdleResult): void {
  console.log(`### idle: synced streams doing nothing (${r.services} services)\n`);
  console.log(
    table(
      ['streams', 'synced in (ms)', 'server RSS before (MB)', 'server RSS after (MB)', 'RSS per stream (KB)'],
      [[String(r.streams), ms(r.allSyncedMs), mb(r.rssBeforeBytes), mb(r.rssAfterBytes), kb(r.rssPerStreamBytes)]],
    ),
  );
  console.log();
}

/** Each table is printed as soon as its scenario ends, so a later failure loses nothing. */
async function main(): Promise<void> {
  console.log(`machine: ${machineDescription()}`);
  console.log(`shape: ${shape.services} services × ${shape.instancesPerService} instances, ${sidecars} sidecars, full mesh; debounce ${debounceMs} ms\n`);
  if (only.has('shape') || only.has('churn') || only.has('burst')) {
    for (const mode of ['sotw', 'delta'] as StreamMode[]) {
      let server: ServeProcess | undefined;
      try {
        server = await startServer(shape, debounceMs);
        const { result, fleet } = await shapeScenario(server, shape, sidecars, mode, 600_000);
        printShape(result);
        if (only.has('churn')) printChurn(await churnScenario(server, fleet, shape, mode, Number(values.changes), debounceMs));
        if (only.has('burst') && mode === 'sotw') printBurst(await burstScenario(server, fleet, shape, Number(values.burst), debounceMs));
        await fleet.close();
      } finally {
        await server?.stop();
      }
    }
  }
  if (only.has('idle')) printIdle(await idleScenario(Number(values.idle), { services: 10, instancesPerService: 1 }, debounceMs));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
