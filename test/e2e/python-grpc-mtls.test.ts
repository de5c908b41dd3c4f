// The new user's path with gRPC C-core 1.51 (Debian's python3-grpcio): `switchyard serve` on the
// embedded shop mesh (strict mTLS, defaultPolicy deny), `switchyard agent` writing frontend's and
// catalog's certificates, `bootstrap grpc --cert-dir`, and a Python client with xDS credentials
// calling xds:///catalog over mutual TLS, its canary header pinned to v2.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamStatus } from '../../src/xds/stream-status';
import { ECHO_METHOD } from '../support/echo-backend';
import { answered, startPythonXdsClient, type PythonXdsClient } from '../support/python-xds-client';
import { BIN, adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

/**
 * How this file starts serve, in one place: the embedded shop mesh, plaintext xDS without a
 * required token, as the grpc-js-xds mTLS suite does. Adapt here when serve requires proof of
 * identity on the xDS port by default.
 */
function serveArgs(): string[] {
  return ['--debounce', '20ms'];
}

const dir = tempDir('switchyard-py-mtls-');
const NODE_ID = 'frontend-py-mtls';
let serve: ServeProcess;
let py: PythonXdsClient;
const servers: grpc.Server[] = [];
/** The caller's identity as each catalog backend saw it in the TLS handshake. */
const seen: string[] = [];

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args, '--admin-address', serve.adminUrl.replace('http://', '')], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function agent(service: string): string {
  const token = cli(['token', 'create', '--service', service]).stdout.trim();
  const out = path.join(dir, service);
  const r = cli(['agent', '--service', service, '--out', out, '--token', token, '--once']);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

/** A catalog backend answering with its name over TLS that requires a mesh client certificate. */
async function catalogBackend(name: string, certs: string): Promise<number> {
  const read = (f: string) => fs.readFileSync(path.join(certs, f));
  const server = new grpc.Server();
  server.register(
    ECHO_METHOD,
    (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      seen.push(call.getAuthContext().sslPeerCertificate?.subjectaltname ?? 'none');
      cb(null, Buffer.from(name));
    },
    (b: Buffer) => b,
    (b: Buffer) => b,
    'unary',
  );
  servers.push(server);
  return new Promise<number>((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      grpc.ServerCredentials.createSsl(read('ca.pem'), [{ cert_chain: read('cert.pem'), private_key: read('key.pem') }], true),
      (e, p) => (e ? reject(e) : resolve(p)),
    ),
  );
}

beforeAll(async () => {
  serve = await startServe(serveArgs());
  const catalogCerts = agent('catalog');
  for (const version of ['v1', 'v2']) {
    const port = await catalogBackend(version, catalogCerts);
    const res = await adminJson(serve.adminUrl, 'PUT', `/v1/services/catalog/instances/catalog-${version}`, {
      address: '127.0.0.1',
      port,
      labels: { version },
    });
    expect(res.status).toBe(200);
  }
  const frontendCerts = agent('frontend');
  const boot = spawnSync(
    process.execPath,
    [BIN, 'bootstrap', 'grpc', '--xds-address', serve.xdsAddress, '--node-id', NODE_ID, '--service', 'frontend', '--cert-dir', frontendCerts],
    { encoding: 'utf8' },
  );
  expect(boot.status).toBe(0);
  const bootstrapFile = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(bootstrapFile, boot.stdout);
  py = startPythonXdsClient(bootstrapFile);
}, 60_000);

afterAll(async () => {
  await py?.close();
  for (const s of servers) s.forceShutdown();
  await serve?.stop();
});

describe('proxyless mTLS on the shop mesh with gRPC C-core 1.51', () => {
  it("frontend calls catalog over mutual TLS with the agent's certificates; catalog sees frontend's SPIFFE ID", async () => {
    // The first call waits for xDS and the TLS handshake; the shop's 2 s route timeout bounds it
    // (C-core is sent 4 s: timeout-clock-skew), so it may take a few tries.
    let last = { backends: {}, errors: {}, details: [] as string[] };
    await eventually(
      async () => {
        last = await py.calls({ target: 'xds:///catalog', n: 1, deadlineS: 20, credentials: 'xds' });
        return answered(last) === 1;
      },
      30_000,
      'a call over mTLS',
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(last)}\n${py.stderr().slice(-3000)}`);
    });
    const r = await py.calls({ target: 'xds:///catalog', n: 200, credentials: 'xds' });
    expect(r.errors, r.details.join('\n')).toEqual({});
    expect(answered(r)).toBe(200);
    expect(r.backends.v2 ?? 0).toBeLessThan(60);
    expect(new Set(seen)).toEqual(new Set(['URI:spiffe://switchyard.local/svc/frontend']));
  });

  it('pins x-canary: true to v2 over mTLS', async () => {
    const r = await py.calls({ target: 'xds:///catalog', n: 30, metadata: { 'x-canary': 'true' }, credentials: 'xds' });
    expect(r.backends).toEqual({ v2: 30 });
  });

  it('with plaintext credentials the same client cannot reach catalog (strict mTLS is not bypassed)', async () => {
    const r = await py.calls({ target: 'xds:///catalog', n: 3, deadlineS: 3 });
    expect(answered(r)).toBe(0);
  });

  it('NACKed nothing it was sent', async () => {
    const body = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body as { proxies: StreamStatus[] };
    const mine = body.proxies.filter((p) => p.nodeId === NODE_ID);
    expect(mine.length).toBe(1);
    for (const t of mine[0]!.types) {
      expect(t.lastNack, t.typeUrl).toBeUndefined();
      expect(t.ackedVersion).toBe(t.sentVersion);
    }
  });
});
