// Issue 4's proxyless proof, end to end: `switchyard serve` (strict mTLS), `switchyard agent`
// writing frontend's and catalog's certificates, `bootstrap grpc --cert-dir`, and the real
// grpc-js-xds client with XdsChannelCredentials calling catalog over mutual TLS.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { XdsChannelCredentials } from '@grpc/grpc-js-xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECHO_METHOD } from '../support/echo-backend';
import { BIN, adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';

const mesh = `mesh:
  trustDomain: switchyard.local
  mtls: strict
  defaultPolicy: deny
services:
  - name: frontend
    protocol: grpc
    port: 8080
  - name: catalog
    protocol: grpc
    port: 8080
    allow: [ frontend ]
`;

let serve: ServeProcess;
let server: grpc.Server;
const seen: string[] = [];
const dir = tempDir('switchyard-mtls-');

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args, '--admin-address', serve.adminUrl.replace('http://', '')], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function agent(service: string): string {
  const token = cli(['token', 'create', '--service', service]).stdout.trim();
  const out = path.join(dir, service);
  const r = cli(['agent', '--service', service, '--out', out, '--token', token, '--once']);
  expect(r.code).toBe(0);
  return out;
}

beforeAll(async () => {
  const meshFile = path.join(dir, 'mesh.yaml');
  fs.writeFileSync(meshFile, mesh);
  serve = await startServe(['--config', meshFile, '--debounce', '20ms']);

  // catalog: a plain gRPC server with the agent's files, requiring a client certificate.
  const catalogCerts = agent('catalog');
  const read = (f: string) => fs.readFileSync(path.join(catalogCerts, f));
  server = new grpc.Server();
  server.register(
    ECHO_METHOD,
    (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      seen.push(call.getAuthContext().sslPeerCertificate?.subjectaltname ?? 'none');
      cb(null, Buffer.from('catalog'));
    },
    (b: Buffer) => b,
    (b: Buffer) => b,
    'unary',
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      grpc.ServerCredentials.createSsl(read('ca.pem'), [{ cert_chain: read('cert.pem'), private_key: read('key.pem') }], true),
      (e, p) => (e ? reject(e) : resolve(p)),
    ),
  );
  expect((await adminJson(serve.adminUrl, 'PUT', '/v1/services/catalog/instances/catalog-1', { address: '127.0.0.1', port })).status).toBe(200);

  // frontend: its certificate files and a bootstrap naming them.
  const frontendCerts = agent('frontend');
  const boot = spawnSync(
    process.execPath,
    [BIN, 'bootstrap', 'grpc', '--xds-address', serve.xdsAddress, '--node-id', 'frontend-1', '--service', 'frontend', '--cert-dir', frontendCerts],
    { encoding: 'utf8' },
  );
  const bootstrapFile = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(bootstrapFile, boot.stdout);
  process.env.GRPC_XDS_BOOTSTRAP = bootstrapFile;
  (require('@grpc/grpc-js-xds') as { register(): void }).register();
});

afterAll(async () => {
  server?.forceShutdown();
  await serve?.stop();
});

describe('proxyless mTLS through switchyard serve', () => {
  it("frontend calls catalog over mutual TLS with certificates from the agent; catalog sees frontend's SPIFFE ID", async () => {
    const client = new grpc.Client('xds:///catalog', new XdsChannelCredentials(grpc.credentials.createInsecure()));
    const reply = await new Promise<string>((resolve, reject) =>
      client.makeUnaryRequest(
        ECHO_METHOD,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from('hi'),
        { deadline: Date.now() + 20_000 },
        (e, r) => (e ? reject(e) : resolve(r!.toString())),
      ),
    );
    client.close();
    expect(reply).toBe('catalog');
    expect(seen).toContain('URI:spiffe://switchyard.local/svc/frontend');
    // And no proxy NACKed anything it was sent.
    const proxies = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body as { proxies: Array<{ types: Array<{ lastNack?: unknown }> }> };
    expect(proxies.proxies.flatMap((p) => p.types).filter((t) => t.lastNack)).toEqual([]);
  });
});
