// The traffic driver: a proxyless gRPC client with frontend's identity (its bootstrap and
// `switchyard agent` certificate files), calling the shop the way frontend would and counting
// what happens. It prints one JSON report line a second on stdout, and a final one on SIGTERM
// or SIGINT; the launcher renders them (terminal-view.ts) or passes the last one on (--json).
//
// Environment: GRPC_XDS_BOOTSTRAP (frontend's), DEMO_CERT_DIR (frontend's certificate files, for
// the direct dial), DEMO_PAYMENTS_ADDRESS (payments' registered ip:port), DEMO_REPORT_MS.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { XdsChannelCredentials, register } from '@grpc/grpc-js-xds';
import { intEnv, requiredEnv, runMain } from './app-env';
import { callShop } from './grpc-calls';
import { emptyObservations, recordCatalog, recordCheckout, recordRefusal, type DriverReport } from './observations';
import { spiffeIdOf, type CallOutcome } from './shop-messages';

/** How hard each kind of traffic is driven: gently, since the demo shares a laptop, or 2 CI cores, with other work. */
const LOOPS = {
  catalog: { workers: 2, pauseMs: 50 },
  canary: { workers: 1, pauseMs: 200 },
  // More concurrent checkouts than payments' maxRequests (3) per orders instance (there are two,
  // and affinity may load one more than the other), so its circuit breaker trips.
  checkout: { workers: 8, pauseMs: 100 },
  refusedViaMesh: { workers: 1, pauseMs: 500 },
  refusedDirect: { workers: 1, pauseMs: 1_000 },
} as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Shoppers whose checkouts carry x-user-id: enough that both orders instances get some. */
const SHOPPERS = 16;
let shopper = 0;

/** frontend's certificate, verifying that the server is payments by its SPIFFE ID (it has no DNS name). */
function directCredentials(certDir: string): grpc.ChannelCredentials {
  const read = (f: string) => fs.readFileSync(path.join(certDir, f));
  const expected = `URI:${spiffeIdOf('payments')}`;
  return grpc.credentials.createSsl(read('ca.pem'), read('key.pem'), read('cert.pem'), {
    checkServerIdentity: (_host, cert) =>
      cert.subjectaltname?.split(/,\s*/).includes(expected) ? undefined : new Error(`server is not payments: ${cert.subjectaltname}`),
  });
}

async function main(): Promise<void> {
  const env = process.env;
  requiredEnv(env, 'GRPC_XDS_BOOTSTRAP', "frontend's bootstrap from `switchyard bootstrap grpc --cert-dir`");
  const certDir = requiredEnv(env, 'DEMO_CERT_DIR', "frontend's certificate directory, kept by `switchyard agent`");
  const paymentsAddress = requiredEnv(env, 'DEMO_PAYMENTS_ADDRESS', "payments' registered ip:port");
  const reportMs = intEnv(env, 'DEMO_REPORT_MS', 1_000, 50, 60_000);
  register();

  const xdsCredentials = new XdsChannelCredentials(grpc.credentials.createInsecure());
  const catalog = new grpc.Client('xds:///catalog', xdsCredentials);
  const orders = new grpc.Client('xds:///orders', xdsCredentials);
  // frontend is never sent a listener for payments (defaultPolicy deny: a proxy learns only what it
  // may call), so grpc-js-xds never resolves xds:///payments and each call waits for name
  // resolution until its deadline: DEADLINE_EXCEEDED, "waiting for name resolution". grpc-js-xds
  // 1.14 does trace "LDS resource does not exist" after its 15 s resource timer, yet in our runs
  // (up to 47 s) later calls still ended DEADLINE_EXCEEDED, never UNAVAILABLE: observed, not explained.
  const paymentsViaMesh = new grpc.Client('xds:///payments', xdsCredentials);
  const paymentsDirect = new grpc.Client(paymentsAddress, directCredentials(certDir));
  const canaryHeader = new grpc.Metadata();
  canaryHeader.set('x-canary', 'true');

  // Warm-up: wait until the mesh answers, so start-up is not counted as failures.
  for (const client of [catalog, orders]) {
    let outcome: CallOutcome = await callShop(client, { op: 'get' }, { deadlineMs: 30_000, waitForReady: true });
    while (!outcome.ok && !stopping) {
      await sleep(200);
      outcome = await callShop(client, { op: 'get' }, { deadlineMs: 30_000, waitForReady: true });
    }
    if (stopping) process.exit(0);
  }

  const obs = emptyObservations();
  const started = Date.now();
  const report = (type: DriverReport['type']) => {
    const line: DriverReport = { type, elapsedMs: Date.now() - started, observations: obs };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };

  const loop = async (spec: { workers: number; pauseMs: number }, once: () => Promise<void>) => {
    await Promise.all(
      Array.from({ length: spec.workers }, async () => {
        while (!stopping) {
          await once();
          await sleep(spec.pauseMs);
        }
      }),
    );
  };
  const deadline = { deadlineMs: 5_000 };
  const loops = Promise.all([
    loop(LOOPS.catalog, async () => recordCatalog(obs, await callShop(catalog, { op: 'get' }, deadline), false)),
    loop(LOOPS.canary, async () => recordCatalog(obs, await callShop(catalog, { op: 'get' }, { ...deadline, metadata: canaryHeader }), true)),
    loop(LOOPS.checkout, async () => {
      // Shoppers take turns; orders hashes x-user-id, so each should stick to one orders instance.
      const user = `shopper-${(shopper++ % SHOPPERS) + 1}`;
      const metadata = new grpc.Metadata();
      metadata.set('x-user-id', user);
      recordCheckout(obs, await callShop(orders, { op: 'checkout' }, { ...deadline, metadata }), user);
    }),
    loop(LOOPS.refusedViaMesh, async () => recordRefusal(obs, 'viaMesh', await callShop(paymentsViaMesh, { op: 'get' }, { deadlineMs: 1_000 }))),
    loop(LOOPS.refusedDirect, async () => recordRefusal(obs, 'direct', await callShop(paymentsDirect, { op: 'get' }, deadline))),
  ]);
  const timer = setInterval(() => report('snapshot'), reportMs);
  await loops;
  clearInterval(timer);
  report('final');
  for (const c of [catalog, orders, paymentsViaMesh, paymentsDirect]) c.close();
  process.exit(0);
}

// Stopping lets every in-flight call finish and be counted, then prints the final report.
let stopping = false;
const stop = () => {
  stopping = true;
  setTimeout(() => process.exit(0), 6_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

runMain(main);
