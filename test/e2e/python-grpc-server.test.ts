// An xDS-enabled gRPC server on C-core 1.51 (Debian's python3-grpcio; test/python/xds_server.py)
// through `switchyard serve` (gRFC A36 + A29 + A41): catalog takes its listener, mTLS and RBAC from
// switchyard. A Python client with frontend's certificate gets through; one that is sent
// catalog's cluster (frontend's bootstrap) but presents orders' certificate completes the
// handshake and is refused by catalog's RBAC. Unlike grpc-js-xds 1.14, C-core needs no
// environment variable to apply RBAC.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamStatus } from '../../src/xds/stream-status';
import { DEBIAN_PYTHON, type PythonXdsClient, startPythonXdsClient } from '../support/python-xds-client';
import { adminJson, BIN, REPO_ROOT, type ServeProcess, startServe, tempDir } from '../support/serve-process';

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

const dir = tempDir('switchyard-py-server-');

/** How this file starts serve, in one place (plaintext xDS, no token required), to adapt when serve requires proof of identity by default. */
function serveArgs(meshFile: string): string[] {
  return ['--config', meshFile, '--debounce', '20ms'];
}

let serve: ServeProcess;
let server: ChildProcess | undefined;
const serverLogs: string[] = [];
const clients: PythonXdsClient[] = [];

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args, '--admin-address', serve.adminUrl.replace('http://', '')], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function agent(service: string): string {
  const token = cli(['token', 'create', '--service', service]).stdout.trim();
  const out = path.join(dir, `certs-${service}`);
  expect(cli(['agent', '--service', service, '--out', out, '--token', token, '--once']).code).toBe(0);
  return out;
}

function bootstrap(nodeId: string, service: string, certDir: string): string {
  const r = spawnSync(
    process.execPath,
    [BIN, 'bootstrap', 'grpc', '--xds-address', serve.xdsAddress, '--node-id', nodeId, '--service', service, '--cert-dir', certDir],
    { encoding: 'utf8' },
  );
  expect(r.status).toBe(0);
  const file = path.join(dir, `${nodeId}.json`);
  fs.writeFileSync(file, r.stdout);
  return file;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const meshFile = path.join(dir, 'mesh.yaml');
  fs.writeFileSync(meshFile, mesh);
  serve = await startServe(serveArgs(meshFile));
  // Registered first, so its server listener exists when the server asks for it.
  const port = await freePort();
  expect((await adminJson(serve.adminUrl, 'PUT', '/v1/services/catalog/instances/catalog-1', { address: '127.0.0.1', port })).status).toBe(200);
  const child = spawn(DEBIAN_PYTHON, [path.join(REPO_ROOT, 'test/python/xds_server.py'), 'catalog', `127.0.0.1:${port}`], {
    env: { ...process.env, GRPC_XDS_BOOTSTRAP: bootstrap('catalog-1', 'catalog', agent('catalog')), PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  readline.createInterface({ input: child.stderr! }).on('line', (l) => serverLogs.push(l));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`catalog's xDS server did not start:\n${serverLogs.join('\n')}`)), 30_000);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"serving"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`catalog's xDS server exited with ${code}:\n${serverLogs.join('\n')}`));
    });
  });
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await serve?.stop();
});

function client(nodeId: string, certsOf: string): PythonXdsClient {
  // node.cluster frontend: sent catalog's cluster; certsOf decides the certificate it presents.
  const c = startPythonXdsClient(bootstrap(nodeId, 'frontend', agent(certsOf)));
  clients.push(c);
  return c;
}

describe('an xDS-enabled gRPC server on C-core 1.51 through switchyard serve', () => {
  it("serves frontend over mutual TLS with the listener it got from switchyard, and sees frontend's SPIFFE ID", async () => {
    const r = await client('frontend-1', 'frontend').calls({ target: 'xds:///catalog', n: 3, deadlineS: 20, credentials: 'xds' });
    expect(r.errors, r.details.join('\n')).toEqual({});
    expect(r.backends).toEqual({ 'catalog saw spiffe://switchyard.local/svc/frontend': 3 });
  });

  it("refuses a caller presenting orders' certificate with PERMISSION_DENIED (RBAC from allow)", async () => {
    const r = await client('frontend-as-orders', 'orders').calls({ target: 'xds:///catalog', n: 1, deadlineS: 20, credentials: 'xds' });
    expect(r.backends).toEqual({});
    expect(r.errors).toEqual({ PERMISSION_DENIED: 1 });
  });

  it('the server ACKed its listener; nothing was NACKed', async () => {
    const body = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body as { proxies: StreamStatus[] };
    const catalog = body.proxies.find((p) => p.nodeId === 'catalog-1');
    expect(catalog?.types.map((t) => t.typeUrl.split('.').pop())).toEqual(['Listener']);
    for (const p of body.proxies) {
      for (const t of p.types) {
        expect(t.lastNack, `${p.nodeId} ${t.typeUrl}`).toBeUndefined();
        expect(t.ackedVersion).toBe(t.sentVersion);
      }
    }
  });
});
