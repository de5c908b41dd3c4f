// The live view of `npm run demo`: on a terminal, a small table redrawn in place (ANSI: cursor
// home, clear below); piped or in CI, one plain line per report.
import { affinitySummary, total, type Counts, type DriverReport, type Observations } from './observations';

export interface ViewContext {
  readonly adminAddress: string;
  readonly driverNode: string;
  readonly dataDir: string;
  readonly logsDir: string;
}

function pct(n: number, of: number): string {
  return of === 0 ? '  -  ' : `${((100 * n) / of).toFixed(1).padStart(5)}%`;
}

function counts(c: Counts): string {
  const entries = Object.entries(c);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

/** Where to look while the demo runs; printed once on start and kept under the table. */
export function whereToLook(ctx: ViewContext): string[] {
  // The server's data dir (<demo dir>/serve) holds the management token the CLI reads.
  const serveDir = `${ctx.dataDir}/serve`;
  const admin = `--admin-address ${ctx.adminAddress} --data-dir ${serveDir}`;
  return [
    `metrics      curl -s -H "authorization: Bearer $(cat ${serveDir}/admin-token)" http://${ctx.adminAddress}/metrics | grep ^switchyard_`,
    `status       npx switchyard status ${admin}`,
    `config dump  npx switchyard config-dump ${ctx.driverNode} ${admin}`,
    `logs         ${ctx.logsDir}/  (data in ${ctx.dataDir})`,
  ];
}

export function tableLines(report: DriverReport, ctx: ViewContext): string[] {
  const o: Observations = report.observations;
  const v1 = o.catalog.byVersion.v1 ?? 0;
  const v2 = o.catalog.byVersion.v2 ?? 0;
  const split = v1 + v2;
  const canaryTotal = total(o.canary.byVersion);
  const f2p = o.frontendToPayments;
  const affinity = affinitySummary(o);
  const peers = Object.entries(o.peers).map(([svc, ids]) => `${svc.padEnd(8)} saw caller ${ids.join(', ')}`);
  return [
    `Switchyard demo: the shop as proxyless gRPC over mTLS        ${(report.elapsedMs / 1000).toFixed(0)}s of traffic`,
    '',
    `  frontend → catalog              v1 ${String(v1).padStart(6)} ${pct(v1, split)}    v2 ${String(v2).padStart(6)} ${pct(v2, split)}    failed: ${counts(o.catalog.failures)}`,
    `  frontend → catalog, x-canary    v2 ${String(o.canary.byVersion.v2 ?? 0).padStart(6)} of ${canaryTotal}          failed: ${counts(o.canary.failures)}`,
    `  frontend → payments (refused)   via xds:///payments: ${counts(f2p.viaMesh)};  direct dial: ${counts(f2p.direct)}`,
    `  frontend → orders, x-user-id    ${affinity.users} shoppers: ${counts(affinity.perInstance)} shoppers each;  moved between instances: ${affinity.moved}`,
    `  orders → payments               ok ${String(o.checkout.paymentsOk).padStart(6)}    circuit-breaker trips ${String(o.checkout.circuitBreakerTrips).padStart(6)}    other: ${counts(o.checkout.paymentsFailures)}`,
    ...(peers.length === 0
      ? ['  mTLS                            no replies yet']
      : peers.map((p, i) => `  ${i === 0 ? 'mTLS' : '    '}                            ${p}`)),
    '',
    ...whereToLook(ctx).map((l) => `  ${l}`),
    '',
    '  Ctrl-C stops everything.',
  ];
}

/** One line for logs and CI. */
export function plainLine(report: DriverReport): string {
  const o = report.observations;
  return [
    `[${(report.elapsedMs / 1000).toFixed(0)}s]`,
    `catalog v1=${o.catalog.byVersion.v1 ?? 0} v2=${o.catalog.byVersion.v2 ?? 0}`,
    `canary v2=${o.canary.byVersion.v2 ?? 0}/${total(o.canary.byVersion)}`,
    `frontend→payments refused: ${counts(o.frontendToPayments.viaMesh)} (mesh), ${counts(o.frontendToPayments.direct)} (direct)`,
    `payments ok=${o.checkout.paymentsOk} cb-trips=${o.checkout.circuitBreakerTrips}`,
    `affinity ${counts(affinitySummary(o).perInstance)} moved=${affinitySummary(o).moved}`,
  ].join('  ');
}

export interface LiveView {
  update(report: DriverReport): void;
}

export function createLiveView(out: NodeJS.WriteStream, ctx: ViewContext, plainEveryMs = 2_000): LiveView {
  if (out.isTTY) {
    let first = true;
    return {
      update: (report) => {
        // First draw clears the screen; later ones go home and clear below, so nothing scrolls.
        out.write(`${first ? '\x1b[2J' : ''}\x1b[H\x1b[J${tableLines(report, ctx).join('\n')}\n`);
        first = false;
      },
    };
  }
  let last = -Infinity;
  return {
    update: (report) => {
      if (report.type !== 'final' && report.elapsedMs - last < plainEveryMs) return;
      last = report.elapsedMs;
      out.write(`${plainLine(report)}\n`);
    },
  };
}
