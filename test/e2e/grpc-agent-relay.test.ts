// The proxyless path on a secure-by-default control plane: grpc-js-xds can only speak plaintext
// (`insecure`) xDS, so it talks to `switchyard agent --relay-address` on loopback, which relays
// its ADS stream to `switchyard serve` over TLS with frontend's certificate and token. The real
// grpc-js-xds client resolves xds:///catalog through the relay and calls catalog over mTLS; the
// control plane sees a proven frontend stream; the relay outlives a control-plane restart.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { XdsChannelCredentials } from '@grpc/grpc-js-xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { deltaClient, resourceNames, sotwClient } from '../support/ads-client';
import { ECHO_METHOD } from '../support/echo-backend';
import { BIN, adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

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
let agentProcess: ChildProcess;
let relayAddress: string;
const seen: string[] = [];
const dir = tempDir('switchyard-relay-');
const meshFile = path.join(dir, 'mesh.yaml');

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args, '--admin-address', serve.adminUrl.replace('http://', '')], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One channel for the whole file, as a running app holds: its xDS watches live across a control-plane restart. */
let channel: grpc.Client | undefined;
function call(target: string, deadlineMs = 20_000): Promise<string> {
  channel ??= new grpc.Client(target, new XdsChannelCredentials(grpc.credentials.createInsecure()));
  return new Promise<string>((resolve, reject) =>
    channel!.makeUnaryRequest(
      ECHO_METHOD,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from('hi'),
      { deadline: Date.now() + deadlineMs },
      (e, r) => (e ? reject(e) : resolve(r!.toString())),
    ),
  );
}

async function frontendStreams(): Promise<Array<{ nodeId: string; authenticated?: boolean }>> {
  const body = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body as { proxies: Array<{ nodeId: string; nodeCluster?: string; streams?: unknown }> };
  return body.proxies.filter((p) => p.nodeId === 'frontend-1');
}

beforeAll(async () => {
  fs.writeFileSync(meshFile, mesh);
  serve = await startServe(['--config', meshFile, '--debounce', '20ms'], { secureXds: true });

  const catalogToken = cli(['token', 'create', '--service', 'catalog']).stdout.trim();
  const catalogCerts = path.join(dir, 'catalog');
  expect(cli(['agent', '--service', 'catalog', '--out', catalogCerts, '--token', catalogToken, '--once']).code).toBe(0);
  const read = (f: string) => fs.readFileSync(path.join(catalogCerts, f));
  server = new grpc.Server();
  server.register(
    ECHO_METHOD,
    (c: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      seen.push(c.getAuthContext().sslPeerCertificate?.subjectaltname ?? 'none');
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

  // frontend's agent: certificate files and the xDS relay on a loopback port.
  const frontendToken = cli(['token', 'create', '--service', 'frontend']).stdout.trim();
  const frontendCerts = path.join(dir, 'frontend');
  agentProcess = spawn(
    process.execPath,
    [
      BIN,
      'agent',
      '--service',
      'frontend',
      '--out',
      frontendCerts,
      '--admin-address',
      serve.adminUrl.replace('http://', ''),
      '--xds-address',
      serve.xdsAddress,
      '--relay-address',
      '127.0.0.1:0',
    ],
    {
      env: { ...process.env, SWITCHYARD_XDS_TOKEN: frontendToken },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  relayAddress = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the agent did not start its relay')), 20_000);
    readline.createInterface({ input: agentProcess.stderr! }).on('line', (line) => {
      const m = /relaying xDS on (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  const boot = spawnSync(
    process.execPath,
    [BIN, 'bootstrap', 'grpc', '--xds-address', relayAddress, '--node-id', 'frontend-1', '--service', 'frontend', '--cert-dir', frontendCerts],
    { encoding: 'utf8' },
  );
  const bootstrapFile = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(bootstrapFile, boot.stdout);
  process.env.GRPC_XDS_BOOTSTRAP = bootstrapFile;
  (require('@grpc/grpc-js-xds') as { register(): void }).register();
}, 60_000);

afterAll(async () => {
  channel?.close();
  agentProcess?.kill();
  server?.forceShutdown();
  await serve?.stop();
});

describe('proxyless gRPC through the agent relay', () => {
  it('grpc-js-xds resolves and calls catalog over mTLS; the control plane saw a proven frontend stream over TLS', async () => {
    expect(await call('xds:///catalog')).toBe('catalog');
    expect(seen).toContain('URI:spiffe://switchyard.local/svc/frontend');
    const proxies = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body as {
      proxies: Array<{ nodeId: string; types: Array<{ lastNack?: unknown }> }>;
    };
    expect(proxies.proxies.some((p) => p.nodeId === 'frontend-1')).toBe(true);
    expect(proxies.proxies.flatMap((p) => p.types).filter((t) => t.lastNack)).toEqual([]);
    // The control plane itself still refuses what the relay's client sends when it comes without the relay.
    const direct = sotwClient(serve.xdsAddress);
    direct.send({ node: { id: 'frontend-1', cluster: 'frontend', user_agent_name: 'gRPC Node' }, type_url: TypeUrl.Listener, resource_names: ['catalog'] });
    expect(((await direct.inbox.waitEnd(10_000)) as grpc.StatusObject).code).toBe(grpc.status.UNAVAILABLE);
    direct.close();
  });

  it("relays SotW and delta ADS byte for byte, with the workload's identity", async () => {
    const sotw = sotwClient(relayAddress);
    sotw.send({ node: { id: 'relay-sotw', cluster: 'frontend', user_agent_name: 'gRPC Node' }, type_url: TypeUrl.Listener, resource_names: ['catalog'] });
    const lds = await sotw.inbox.next(10_000);
    expect(resourceNames(lds)).toEqual(['catalog']);
    sotw.ack(lds, ['catalog']);
    sotw.close();

    const delta = deltaClient(relayAddress);
    delta.send({
      node: { id: 'relay-delta', cluster: 'frontend', user_agent_name: 'gRPC Node' },
      type_url: TypeUrl.Listener,
      resource_names_subscribe: ['catalog'],
    });
    const res = await delta.inbox.next(10_000);
    expect(res.resources.map((r) => r.name)).toEqual(['catalog']);
    delta.close();

    // Through the relay a stream can only be frontend: another node.cluster is refused upstream.
    const spoof = sotwClient(relayAddress);
    spoof.send({ node: { id: 'relay-spoof', cluster: 'catalog', user_agent_name: 'gRPC Node' }, type_url: TypeUrl.Listener, resource_names: [] });
    expect(((await spoof.inbox.waitEnd(10_000)) as grpc.StatusObject).code).toBe(grpc.status.PERMISSION_DENIED);
    spoof.close();
  });

  it('when the control plane restarts, grpc-js-xds reconnects through the relay and follows new state', async () => {
    const dataDir = serve.dataDir;
    const xdsAddress = serve.xdsAddress;
    await serve.stop();
    serve = await startServe(['--config', meshFile, '--debounce', '20ms', '--xds-address', xdsAddress], { secureXds: true, dataDir });
    // Re-register catalog (the registry persisted it; a new port proves the client follows new state).
    const port2 = await new Promise<number>((resolve, reject) => {
      const read = (f: string) => fs.readFileSync(path.join(dir, 'catalog', f));
      const s2 = new grpc.Server();
      s2.register(
        ECHO_METHOD,
        (_c: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from('catalog-2')),
        (b: Buffer) => b,
        (b: Buffer) => b,
        'unary',
      );
      s2.bindAsync(
        '127.0.0.1:0',
        grpc.ServerCredentials.createSsl(read('ca.pem'), [{ cert_chain: read('cert.pem'), private_key: read('key.pem') }], true),
        (e, p) => (e ? reject(e) : resolve(p)),
      );
    });
    expect((await adminJson(serve.adminUrl, 'PUT', '/v1/services/catalog/instances/catalog-1', { address: '127.0.0.1', port: port2 })).status).toBe(200);
    await eventually(async () => (await call('xds:///catalog', 2_000).catch(() => '')) === 'catalog-2', 60_000, 'calls to reach the new catalog instance');
    expect((await frontendStreams()).length).toBeGreaterThan(0);
  }, 90_000);
});
