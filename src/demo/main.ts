// `npm run demo` (node dist/demo/main.js): the shop as local processes with a live view.
//   --duration 8s   stop by itself after that much traffic (default: run until Ctrl-C)
//   --json          no live view; print what the driver observed as one JSON document at the end
//   --data-dir DIR  where the demo keeps everything (default .switchyard-demo, emptied at start)
//   --xds-address / --admin-address   where the control plane listens (default 127.0.0.1:18000 / :18080;
//                   port 0 picks a free one)
import { parseDurationFlag } from '../cli/flags';
import { parseFlags, parseHostPort, stringFlag } from '../cli/flags';
import { UsageError } from '../cli/io';
import { DataDirError } from './demo-data-dir';
import { startLocalDemo, type ChildExit, type RunningDemo } from './local-demo';
import type { DriverReport } from './observations';
import { createLiveView, whereToLook, type LiveView } from './terminal-view';

const USAGE = 'usage: npm run demo -- [--duration 8s] [--json] [--data-dir .switchyard-demo] [--xds-address 127.0.0.1:18000] [--admin-address 127.0.0.1:18080]';

export interface DemoSummary {
  readonly stoppedBy: 'duration' | 'signal' | 'failure';
  readonly adminAddress: string;
  readonly xdsAddress: string;
  readonly dataDir: string;
  readonly report?: DriverReport;
  readonly processes: readonly ChildExit[];
  readonly failure?: string;
}

async function main(argv: string[]): Promise<number> {
  const flags = parseFlags('demo', argv, {
    duration: { type: 'string' },
    json: { type: 'boolean' },
    'data-dir': { type: 'string', default: '.switchyard-demo' },
    'xds-address': { type: 'string', default: '127.0.0.1:18000' },
    'admin-address': { type: 'string', default: '127.0.0.1:18080' },
    help: { type: 'boolean' },
  });
  if (flags.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (flags.positionals.length > 0) throw new UsageError(`demo: unexpected argument "${flags.positionals[0]}"\n${USAGE}`);
  const durationMs = stringFlag(flags, 'duration') === undefined ? undefined : parseDurationFlag(stringFlag(flags, 'duration')!, 'duration');
  const json = flags.values.json === true;
  const xdsAddress = stringFlag(flags, 'xds-address')!;
  const adminAddress = stringFlag(flags, 'admin-address')!;
  parseHostPort(xdsAddress, 'xds-address');
  parseHostPort(adminAddress, 'admin-address');

  // Ctrl-C reaches the whole process group: the children stop themselves, and we stop the rest.
  let signalled: () => void = () => {};
  const signal = new Promise<'signal'>((resolve) => (signalled = () => resolve('signal')));
  let gotSignal = false;
  for (const s of ['SIGINT', 'SIGTERM'] as const) {
    process.on(s, () => {
      gotSignal = true;
      signalled();
    });
  }

  let lastReport: DriverReport | undefined;
  let view: LiveView | undefined;
  let firstReport: () => void = () => {};
  const trafficStarted = new Promise<void>((resolve) => (firstReport = resolve));
  const progress = (m: string) => process.stderr.write(`demo: ${m}\n`);
  let demo: RunningDemo;
  try {
    demo = await startLocalDemo({
      dataDir: stringFlag(flags, 'data-dir')!,
      xdsAddress,
      adminAddress,
      reportMs: json ? 1_000 : 500,
      progress,
      onReport: (report) => {
        lastReport = report;
        firstReport();
        view?.update(report);
      },
    });
  } catch (err) {
    if (err instanceof DataDirError) throw new UsageError(err.message);
    if (gotSignal) return 0;
    throw err;
  }

  const ctx = { adminAddress: demo.adminAddress, driverNode: demo.driverNode, dataDir: demo.layout.root, logsDir: demo.layout.logs };
  if (!json) {
    view = createLiveView(process.stdout, ctx);
    if (!process.stdout.isTTY) for (const line of whereToLook(ctx)) process.stdout.write(`${line}\n`);
    progress('waiting for the mesh to answer, then traffic starts; Ctrl-C stops everything');
  }
  // --duration counts traffic, not start-up: the clock starts at the driver's first report.
  const duration =
    durationMs === undefined
      ? new Promise<never>(() => {})
      : trafficStarted.then(() => new Promise<'duration'>((r) => setTimeout(() => r('duration'), durationMs)));
  const failed = demo.unexpectedExit.then((child) => ({ child }));
  const outcome = await Promise.race([signal, duration, failed]);

  if (!json && !gotSignal) progress('stopping');
  const processes = await demo.stop();
  const failure = typeof outcome === 'object' ? `${outcome.child.name} exited unexpectedly; see ${outcome.child.logFile}` : undefined;
  const summary: DemoSummary = {
    stoppedBy: typeof outcome === 'object' ? 'failure' : outcome,
    adminAddress: demo.adminAddress,
    xdsAddress: demo.xdsAddress,
    dataDir: demo.layout.root,
    ...(lastReport && { report: lastReport }),
    processes,
    ...(failure && { failure }),
  };
  if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else progress(failure ?? `stopped; ${processes.length} processes ended; logs in ${demo.layout.logs}`);
  return failure ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message.replace(/^demo: /, '') : String(err);
    process.stderr.write(`demo: ${message}${err instanceof UsageError ? `\n${USAGE}` : ''}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
