// `npm run demo`, the processes: the control plane on its embedded shop mesh, a `switchyard
// agent` per service keeping its certificate files, the shop's apps as xDS-enabled gRPC servers
// (grpc-app.ts) registered in the registry, and the traffic driver as frontend
// (traffic-driver.ts). Everything a user would do by hand goes through the product's own
// front doors: `switchyard token create`, `switchyard agent`, the admin API's registration
// endpoint, `switchyard bootstrap grpc --cert-dir`.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ADMIN_TOKEN_FILE } from '../admin/admin-security';
import { freePort, startChild, type ManagedChild } from './child-processes';
import { prepareDataDir, type DemoLayout } from './demo-data-dir';
import type { DriverReport } from './observations';

const BIN = path.resolve(__dirname, '../../bin/switchyard.js');
const GRPC_APP = path.join(__dirname, 'grpc-app.js');
const DRIVER = path.join(__dirname, 'traffic-driver.js');
const run = promisify(execFile);

/** The shop's local instances. payments answers slowly enough for its circuit breaker to fill. */
const INSTANCES = [
  { id: 'catalog-v1', service: 'catalog', version: 'v1', delayMs: 0 },
  { id: 'catalog-v2', service: 'catalog', version: 'v2', delayMs: 0 },
  { id: 'orders-1', service: 'orders', version: undefined, delayMs: 0 },
  // Two, so orders' session affinity (consistentHash on x-user-id) has a choice to keep.
  { id: 'orders-2', service: 'orders', version: undefined, delayMs: 0 },
  { id: 'payments-1', service: 'payments', version: undefined, delayMs: 150 },
] as const;
const DRIVER_NODE = 'frontend-1';
const SERVICES = ['catalog', 'orders', 'payments', 'frontend'] as const;
const READY_TIMEOUT_MS = 60_000;

export interface LocalDemoOptions {
  readonly dataDir: string;
  readonly xdsAddress: string;
  readonly adminAddress: string;
  readonly reportMs: number;
  readonly onReport: (report: DriverReport) => void;
  /** Progress lines while starting ("starting agents…"). */
  readonly progress: (message: string) => void;
}

export interface ChildExit {
  readonly name: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunningDemo {
  readonly xdsAddress: string;
  readonly adminAddress: string;
  readonly layout: DemoLayout;
  readonly driverNode: string;
  /** Resolves with the child's name when any process ends before stop() was called. */
  readonly unexpectedExit: Promise<ManagedChild>;
  /** Stops the driver first (so its final report is complete), then the apps, agents and server. */
  stop(): Promise<ChildExit[]>;
}

/** The environment children get: no SWITCHYARD_* or GRPC_XDS_BOOTSTRAP from the user's shell (the demo picks its own). */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SWITCHYARD_') && k !== 'GRPC_XDS_BOOTSTRAP') env[k] = v;
  return { ...env, ...extra };
}

export async function startLocalDemo(opts: LocalDemoOptions): Promise<RunningDemo> {
  const layout = prepareDataDir(opts.dataDir);
  const children: ManagedChild[] = [];
  let stopping = false;
  let reportUnexpected: (c: ManagedChild) => void = () => {};
  const unexpectedExit = new Promise<ManagedChild>((resolve) => (reportUnexpected = resolve));
  const start = (name: string, script: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const child = startChild(name, process.execPath, [script, ...args], { env: cleanEnv(env), logDir: layout.logs });
    children.push(child);
    void child.exited.then(() => stopping || reportUnexpected(child));
    return child;
  };
  const stop = async (): Promise<ChildExit[]> => {
    stopping = true;
    // Reverse start order: the driver, then the apps, then the agents, then the server.
    for (const child of [...children].reverse()) await child.stop();
    return Promise.all(children.map(async (c) => ({ name: c.name, pid: c.pid, ...(await c.exited) })));
  };

  try {
    opts.progress(`control plane: switchyard serve (embedded shop mesh), data in ${layout.serve}`);
    const serve = start('serve', BIN, [
      'serve',
      '--data-dir',
      layout.serve,
      '--xds-address',
      opts.xdsAddress,
      '--admin-address',
      opts.adminAddress,
      '--log-format',
      'json',
      '--debounce',
      '20ms',
    ]);
    // A start-up failure (e.g. a port in use) is a `switchyard serve: …` line on stderr; take it as
    // final rather than wait for the process to exit.
    const serving = JSON.parse(
      await serve.waitForLine(
        (l) => l.includes('switchyard serving'),
        READY_TIMEOUT_MS,
        (l) => l.startsWith('switchyard serve: '),
      ),
    ) as { xds: string; admin: string };
    const adminAddress = serving.admin;
    const xdsAddress = serving.xds;
    // The server wrote its management token into its data dir on first start; the CLI finds it there.
    const adminToken = fs.readFileSync(path.join(layout.serve, ADMIN_TOKEN_FILE), 'utf8').trim();
    const cli = async (args: string[]) => (await run(process.execPath, [BIN, ...args], { env: cleanEnv({ SWITCHYARD_DATA_DIR: layout.serve }) })).stdout.trim();

    // The xDS port is TLS and requires proof; grpc-js-xds cannot present either, so each service's
    // agent also relays its xDS on a loopback port (plaintext there) to the control plane over TLS
    // with the service's certificate and token, and the apps' bootstraps point at that relay.
    opts.progress('certificates and xDS relays: switchyard token create + switchyard agent --relay-address, per service');
    const relays = new Map<string, string>();
    await Promise.all(
      SERVICES.map(async (service) => {
        const token = await cli(['token', 'create', '--service', service, '--admin-address', adminAddress]);
        const agent = start(
          `agent-${service}`,
          BIN,
          [
            'agent',
            '--service',
            service,
            '--out',
            layout.certs(service),
            '--admin-address',
            adminAddress,
            '--xds-address',
            xdsAddress,
            '--relay-address',
            '127.0.0.1:0',
          ],
          { SWITCHYARD_XDS_TOKEN: token },
        );
        const relaying = await agent.waitForLine((l) => l.includes('relaying xDS on'), READY_TIMEOUT_MS);
        relays.set(service, /relaying xDS on (\S+)/.exec(relaying)![1]!);
      }),
    );

    const bootstrap = async (node: string, service: string) => {
      const file = path.join(layout.bootstraps, `${node}.json`);
      fs.writeFileSync(
        file,
        await cli(['bootstrap', 'grpc', '--xds-address', relays.get(service)!, '--node-id', node, '--service', service, '--cert-dir', layout.certs(service)]),
      );
      return file;
    };

    opts.progress('apps: xDS-enabled gRPC servers, registered in the registry');
    const addresses = new Map<string, string>();
    await Promise.all(
      INSTANCES.map(async (instance) => {
        const port = await freePort();
        addresses.set(instance.id, `127.0.0.1:${port}`);
        // Registered before the server starts, so its listener is waiting when it asks for it.
        const res = await fetch(`http://${adminAddress}/v1/services/${instance.service}/instances/${instance.id}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
          body: JSON.stringify({ address: '127.0.0.1', port, ...(instance.version && { labels: { version: instance.version } }) }),
        });
        if (!res.ok) throw new Error(`registering ${instance.id}: HTTP ${res.status} ${await res.text()}`);
        const app = start(instance.id, GRPC_APP, [], {
          DEMO_SERVICE: instance.service,
          DEMO_INSTANCE: instance.id,
          DEMO_LISTEN: `127.0.0.1:${port}`,
          DEMO_DELAY_MS: String(instance.delayMs),
          ...(instance.version && { DEMO_VERSION: instance.version }),
          GRPC_XDS_BOOTSTRAP: await bootstrap(instance.id, instance.service),
          GRPC_XDS_EXPERIMENTAL_RBAC: 'true',
        });
        await app.waitForLine((l) => l.includes('"serving"'), READY_TIMEOUT_MS);
      }),
    );

    opts.progress(`traffic: the driver, as ${DRIVER_NODE}`);
    const driver = start('driver', DRIVER, [], {
      GRPC_XDS_BOOTSTRAP: await bootstrap(DRIVER_NODE, 'frontend'),
      DEMO_CERT_DIR: layout.certs('frontend'),
      DEMO_PAYMENTS_ADDRESS: addresses.get('payments-1')!,
      DEMO_REPORT_MS: String(opts.reportMs),
    });
    driver.onLine((line, stream) => {
      if (stream !== 'stdout' || !line.startsWith('{')) return;
      opts.onReport(JSON.parse(line) as DriverReport);
    });
    return { xdsAddress, adminAddress, layout, driverNode: DRIVER_NODE, unexpectedExit, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
