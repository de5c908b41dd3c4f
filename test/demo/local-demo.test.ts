// `npm run demo`, for real: the launcher as a process (the control plane, an agent per service,
// the shop's xDS-enabled gRPC servers and the traffic driver as children), asserted on what the
// driver observed, then on every child being gone.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { describe, expect, it } from 'vitest';
import type { DemoSummary } from '../../src/demo/main';
import { spiffeIdOf } from '../../src/demo/shop-messages';
import { REPO_ROOT, tempDir } from '../support/serve-process';

const LAUNCHER = path.join(REPO_ROOT, 'dist/demo/main.js');
const FREE_PORTS = ['--xds-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Direct children of pid, from /proc (ps is not on every CI image). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent; the command (field 2) may hold spaces, so split after ')'.
        return Number(fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function runLauncher(args: string[]): { child: ReturnType<typeof spawn>; stdout: Promise<string>; stderr: string[]; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [LAUNCHER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: exit.then(() => out), stderr, exit };
}

// The two runs are independent (own data dirs, free ports) and mostly wait (start-up, traffic
// pauses), so they run side by side.
describe('npm run demo (local processes, proxyless gRPC)', () => {
  it.concurrent('in short mode, the driver observes the 90/10 split, the canary pin, the refusals, mTLS identities and circuit-breaker trips', async () => {
    const run = runLauncher(['--duration', '8s', '--json', '--data-dir', path.join(tempDir('switchyard-demo-'), 'demo'), ...FREE_PORTS]);
    const code = await run.exit;
    const text = await run.stdout;
    expect(code, run.stderr.join('\n')).toBe(0);
    const summary = JSON.parse(text) as DemoSummary;
    expect(summary.stoppedBy).toBe('duration');
    expect(summary.report?.type).toBe('final');
    const o = summary.report!.observations;

    // The split: only v1 and v2 answer, and v2's share is 10% within 4 standard deviations.
    expect(Object.keys(o.catalog.byVersion).sort()).toEqual(['v1', 'v2']);
    expect(o.catalog.failures).toEqual({});
    const v2 = o.catalog.byVersion.v2!;
    const n = v2 + o.catalog.byVersion.v1!;
    expect(n).toBeGreaterThanOrEqual(100); // enough calls for the bound below to mean something
    expect(Math.abs(v2 - 0.1 * n)).toBeLessThanOrEqual(4 * Math.sqrt(n * 0.1 * 0.9));

    // The canary header pins v2: every canary call answered by v2, none by v1.
    expect(Object.keys(o.canary.byVersion)).toEqual(['v2']);
    expect(o.canary.byVersion.v2).toBeGreaterThan(0);
    expect(o.canary.failures).toEqual({});

    // frontend → payments never succeeds. Through the mesh: frontend is never sent a listener for
    // payments, so its calls wait for name resolution until their deadline. Dialled directly with
    // frontend's certificate: the TLS handshake succeeds and payments' RBAC refuses the call.
    const f2p = o.frontendToPayments;
    expect(Object.keys(f2p.viaMesh)).toEqual(['DEADLINE_EXCEEDED']);
    expect(f2p.details['viaMesh DEADLINE_EXCEEDED']).toMatch(/waiting for name resolution/);
    expect(Object.keys(f2p.direct)).toEqual(['PERMISSION_DENIED']);
    expect(f2p.details['direct PERMISSION_DENIED']).toMatch(/unauthorized/i);

    // mTLS: each server saw exactly its caller's SPIFFE ID on the connection.
    expect(o.peers).toEqual({
      catalog: [spiffeIdOf('frontend')],
      orders: [spiffeIdOf('frontend')],
      payments: [spiffeIdOf('orders')],
    });

    // payments' circuit breaker (maxRequests 3) refused some of orders' calls, and let others through.
    expect(o.checkout.circuitBreakerTrips).toBeGreaterThan(0);
    expect(o.checkout.paymentsOk).toBeGreaterThan(0);
    expect(o.checkout.paymentsFailures).toEqual({});
    expect(o.checkout.ordersFailures).toEqual({});

    // orders' session affinity (consistentHash on x-user-id): every shopper's checkouts reached one
    // orders instance, and the 16 shoppers are spread over both (all on one: p ≈ 3e-5).
    const shoppers = Object.entries(o.affinity);
    expect(shoppers.length).toBe(16);
    for (const [user, byInstance] of shoppers) expect(Object.keys(byInstance), user).toHaveLength(1);
    expect(new Set(shoppers.map(([, byInstance]) => Object.keys(byInstance)[0])).size).toBe(2);

    // Every process the demo started has ended.
    expect(summary.processes.map((p) => p.name).sort()).toEqual(
      [
        'agent-catalog',
        'agent-frontend',
        'agent-orders',
        'agent-payments',
        'catalog-v1',
        'catalog-v2',
        'driver',
        'orders-1',
        'orders-2',
        'payments-1',
        'serve',
      ].sort(),
    );
    expect(summary.processes.filter((p) => alive(p.pid))).toEqual([]);
    expect(summary.processes.filter((p) => p.name === 'serve' || p.name === 'driver').map((p) => p.code)).toEqual([0, 0]);
  }, 180_000); // one more app since orders got a second instance; start-up on 2 shared cores took 100 s once

  it.concurrent('while running, every app and the driver are connected proxies with no NACK; Ctrl-C (SIGINT) then stops every process and exits 0', async () => {
    const run = runLauncher(['--data-dir', path.join(tempDir('switchyard-demo-'), 'demo'), ...FREE_PORTS]);
    // Not a TTY, so the view prints plain lines: the first one means traffic is flowing.
    let printed = '';
    const firstLine = new Promise<void>((resolve) =>
      run.child.stdout!.on('data', (d: Buffer) => {
        printed += d.toString();
        if (printed.includes('catalog v1=')) resolve();
      }),
    );
    await Promise.race([firstLine, run.exit]);
    const children = childrenOf(run.child.pid!);
    // serve, four agents, five apps (orders has two instances, for its session affinity), the driver.
    expect(children.length).toBe(11);
    // While it runs: the admin address it printed answers, every app and the driver are connected
    // proxies, and none of them NACKed anything.
    // The printed curl line carries the way to the management token (the server's data dir), as a user would copy it.
    const printedCurl = /metrics\s+curl -s -H "authorization: Bearer \$\(cat (\S+)\)" (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(printed);
    expect(printedCurl, printed).not.toBeNull();
    const [, tokenFile, admin] = printedCurl!;
    const token = fs.readFileSync(tokenFile!, 'utf8').trim();
    expect((await fetch(`${admin}/v1/proxies`)).status).toBe(401);
    const proxies = (await (await fetch(`${admin}/v1/proxies`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      proxies: Array<{ nodeId: string; types: Array<{ lastNack?: unknown }> }>;
    };
    expect([...new Set(proxies.proxies.map((p) => p.nodeId))].sort()).toEqual(['catalog-v1', 'catalog-v2', 'frontend-1', 'orders-1', 'orders-2', 'payments-1']);
    expect(proxies.proxies.flatMap((p) => p.types).filter((t) => t.lastNack)).toEqual([]);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(children.filter(alive)).toEqual([]);
  }, 180_000); // one more app since orders got a second instance; start-up on 2 shared cores took 100 s once
});
