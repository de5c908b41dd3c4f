// xDS-enabled gRPC servers through `switchyard serve` (gRFC A36 + A29 + A41): catalog runs as a
// real grpc-js-xds XdsServer that takes its listener, its mTLS and its RBAC from switchyard. A
// frontend client calls it over mutual TLS; a client that gets catalog's cluster (frontend's
// bootstrap) but presents orders' certificate completes the handshake and is refused by the
// server's RBAC with PERMISSION_DENIED.
//
// grpc-js-xds reads its bootstrap once per process, and its RBAC filter only with
// GRPC_XDS_EXPERIMENTAL_RBAC=true at load time, so the server and each client are child processes.
import { freePort } from '../support/free-port';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECHO_METHOD } from '../support/echo-backend';
import { BIN, REPO_ROOT, adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

const mesh = `mesh:
  trustDomain: switchyard.local
  mtls: strict
  defaultPolicy: deny
services:
  - name: frontend
    protocol: grpc
    port: 8080
  - name: orders
    protocol: grpc
    port: 8080
  - name: catalog
    protocol: grpc
    port: 8080
    allow: [ frontend ]
`;

const GRPC_JS = path.join(REPO_ROOT, 'node_modules/@grpc/grpc-js');
const GRPC_XDS = path.join(REPO_ROOT, 'node_modules/@grpc/grpc-js-xds');

const SERVER_SCRIPT = `
const grpc = require(${JSON.stringify(GRPC_JS)});
const xds = require(${JSON.stringify(GRPC_XDS)});
xds.register(); // registers the HTTP filters (router, RBAC) the server's listener names
const server = new xds.XdsServer();
server.register(${JSON.stringify(ECHO_METHOD)}, (call, cb) => {
  const peer = call.getAuthContext().sslPeerCertificate;
  cb(null, Buffer.from('catalog saw ' + (peer ? peer.subjectaltname : 'no certificate')));
}, (b) => b, (b) => b, 'unary');
server.bindAsync(process.argv[2], new xds.XdsServerCredentials(grpc.ServerCredentials.createInsecure()), (e, port) => {
  if (e) { console.log(JSON.stringify({ error: e.message })); process.exit(1); }
  console.log(JSON.stringify({ serving: port }));
});
`;

const CLIENT_SCRIPT = `
const grpc = require(${JSON.stringify(GRPC_JS)});
const xds = require(${JSON.stringify(GRPC_XDS)});
xds.register();
const client = new grpc.Client('xds:///catalog', new xds.XdsChannelCredentials(grpc.credentials.createInsecure()));
client.makeUnaryRequest(${JSON.stringify(ECHO_METHOD)}, (b) => b, (b) => b, Buffer.from('hi'), { deadline: Date.now() + 20000 }, (e, r) => {
  console.log(JSON.stringify(e ? { code: e.code, details: e.details } : { reply: r.toString() }));
  // Stays connected, its xDS stream open, until the test has looked at it and closes stdin.
  process.stdin.on('end', () => {
    client.close();
    process.exit(0);
  });
  process.stdin.resume();
});
`;

let serve: ServeProcess;
let server: ChildProcess | undefined;
const serverLogs: string[] = [];
const dir = tempDir('switchyard-grpc-server-');
const serverScript = path.join(dir, 'server.js');
const clientScript = path.join(dir, 'client.js');

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args, '--admin-address', serve.adminUrl.replace('http://', '')], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function agent(service: string): string {
  const token = cli(['token', 'create', '--service', service]).stdout.trim();
  const out = path.join(dir, `certs-${service}`);
  const r = cli(['agent', '--service', service, '--out', out, '--token', token, '--once']);
  expect(r.code).toBe(0);
  return out;
}

/** A gRPC bootstrap for node.cluster `service` naming the certificate files in certDir. */
function bootstrap(name: string, service: string, certDir: string): string {
  const r = spawnSync(
    process.execPath,
    [BIN, 'bootstrap', 'grpc', '--xds-address', serve.xdsAddress, '--node-id', name, '--service', service, '--cert-dir', certDir],
    { encoding: 'utf8' },
  );
  expect(r.status).toBe(0);
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, r.stdout);
  return file;
}

function childEnv(bootstrapFile: string): NodeJS.ProcessEnv {
  return { ...process.env, GRPC_XDS_BOOTSTRAP: bootstrapFile, GRPC_XDS_EXPERIMENTAL_RBAC: 'true' };
}

interface ProxyEntry {
  id: number;
  nodeId?: string;
  types: Array<{ type: string; sentVersion?: string; pendingAck: boolean; lastNack?: unknown }>;
}

async function proxies(): Promise<ProxyEntry[]> {
  return ((await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body as { proxies: ProxyEntry[] }).proxies;
}

/**
 * The streams of `nodeId` once it has answered (ACK or NACK) every response it was sent, so a
 * NACK still on its way cannot be missed.
 */
async function settledStreams(nodeId: string): Promise<ProxyEntry[]> {
  let streams: ProxyEntry[] = [];
  await eventually(
    async () => {
      streams = (await proxies()).filter((p) => p.nodeId === nodeId);
      return streams.length > 0 && streams.every((p) => p.types.length > 0 && p.types.every((t) => !t.pendingAck));
    },
    20_000,
    `${nodeId}'s stream answered everything it was sent`,
  );
  return streams;
}

/** The streams each client held while it was connected, as /v1/proxies showed them. */
const clientStreams = new Map<string, ProxyEntry[]>();

/**
 * Runs the client script as node `nodeId` with a bootstrap; resolves with its one JSON line.
 * While the client is still connected, its streams are read from /v1/proxies (clientStreams).
 */
function callCatalog(nodeId: string, bootstrapFile: string): Promise<{ reply?: string; code?: number; details?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [clientScript], { env: childEnv(bootstrapFile), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let result: { reply?: string; code?: number; details?: string } | undefined;
    let failure: Error | undefined;
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      out += line;
      try {
        result = JSON.parse(line) as typeof result;
      } catch {
        failure = new Error(`client printed no result:\n${line}\n${err}`);
      }
      settledStreams(nodeId)
        .then(
          (streams) => clientStreams.set(nodeId, streams),
          (error: Error) => (failure ??= error),
        )
        .finally(() => child.stdin.end());
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (result && !failure) resolve(result);
      else reject(failure ?? new Error(`client printed no result:\n${out}\n${err}`));
    });
  });
}

beforeAll(async () => {
  fs.writeFileSync(serverScript, SERVER_SCRIPT);
  fs.writeFileSync(clientScript, CLIENT_SCRIPT);
  const meshFile = path.join(dir, 'mesh.yaml');
  fs.writeFileSync(meshFile, mesh);
  serve = await startServe(['--config', meshFile, '--debounce', '20ms']);

  // catalog: registered first, so its server listener exists when the XdsServer asks for it.
  const port = await freePort();
  expect((await adminJson(serve.adminUrl, 'PUT', '/v1/services/catalog/instances/catalog-1', { address: '127.0.0.1', port })).status).toBe(200);
  const catalogBootstrap = bootstrap('catalog-1', 'catalog', agent('catalog'));
  const child = spawn(process.execPath, [serverScript, `127.0.0.1:${port}`], {
    env: { ...childEnv(catalogBootstrap), ...(process.env.DEBUG_GRPC_SERVER && { GRPC_TRACE: 'xds_client,xds_server,server', GRPC_VERBOSITY: 'DEBUG' }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  readline.createInterface({ input: child.stderr! }).on('line', (l) => serverLogs.push(l));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`catalog's XdsServer is not serving:\n${serverLogs.join('\n')}`)), 30_000);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      serverLogs.push(line);
      if (line.includes('"serving"')) {
        clearTimeout(timer);
        resolve();
      } else if (line.includes('"error"')) {
        clearTimeout(timer);
        reject(new Error(line));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`catalog's XdsServer exited with ${code}:\n${serverLogs.join('\n')}`));
    });
  });
}, 90_000);

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await serve?.stop();
});

describe('an xDS-enabled gRPC server through switchyard serve', () => {
  it('catalog serves with the listener, mTLS and RBAC it got from switchyard; frontend calls it over mutual TLS', async () => {
    const result = await callCatalog('frontend-1', bootstrap('frontend-1', 'frontend', agent('frontend')));
    expect(result).toEqual({ reply: 'catalog saw URI:spiffe://switchyard.local/svc/frontend' });
  }, 60_000);

  it("a caller with orders' certificate gets through TLS but catalog's RBAC refuses it: PERMISSION_DENIED", async () => {
    // frontend's bootstrap (so it is sent catalog's cluster) with orders' certificate files.
    const result = await callCatalog('orders-as-frontend', bootstrap('orders-as-frontend', 'frontend', agent('orders')));
    expect(result.code).toBe(7); // PERMISSION_DENIED, from the RBAC filter (not a TLS or routing failure)
    expect(result.details).toMatch(/unauthorized/i);
    expect(result.reply).toBeUndefined();
  }, 60_000);

  it('no proxy NACKed anything it was sent, the server included', async () => {
    // Each client's stream, read while it was connected; the server's, still connected now.
    const streams = new Map([...clientStreams, ['catalog-1', await settledStreams('catalog-1')]]);
    expect([...streams.keys()].sort()).toEqual(['catalog-1', 'frontend-1', 'orders-as-frontend']);
    for (const [node, held] of streams) {
      // Each was sent something (at least a listener), and NACKed none of it.
      expect(
        held.flatMap((p) => p.types).some((t) => t.type === 'LDS' && t.sentVersion !== undefined),
        node,
      ).toBe(true);
      expect(
        held.flatMap((p) => p.types).filter((t) => t.lastNack),
        node,
      ).toEqual([]);
    }
    // And the server's NACK counter, which outlives the streams, counted none at all.
    const metrics = (await adminJson(serve.adminUrl, 'GET', '/metrics')).body as string;
    expect(metrics).toContain('# TYPE switchyard_xds_nacks_total counter');
    // (Every type's series exists from start-up at 0, so that Prometheus sees a first NACK as an increase.)
    const nackSeries = metrics.split('\n').filter((line) => line.startsWith('switchyard_xds_nacks_total{'));
    expect(nackSeries.length).toBeGreaterThan(0);
    expect(nackSeries.filter((line) => !line.endsWith(' 0'))).toEqual([]);
  });
});
