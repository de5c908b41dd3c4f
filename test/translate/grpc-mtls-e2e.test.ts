// End to end with the real proxyless client and real certificates from Switchyard's CA: the
// clusters meshSecurity() gives a gRPC client make @grpc/grpc-js-xds (with XdsChannelCredentials
// and a file_watcher certificate provider named in its bootstrap, gRFC A29) call over mutual TLS,
// and refuse a server that does not hold the target service's SPIFFE identity.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { XdsChannelCredentials } from '@grpc/grpc-js-xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoot } from '../../src/ca/root';
import { issueWorkloadCertificate, type WorkloadCertificate } from '../../src/ca/workload';
import type { MeshState } from '../../src/model';
import { GRPC_CERTIFICATE_PROVIDER_INSTANCE, meshSecurity } from '../../src/translate/mesh-security';
import { proxyGroupKey, translateForProxy } from '../../src/translate/translate';
import { ECHO_METHOD } from '../support/echo-backend';
import { useXdsBootstrap } from '../support/xds-client';
import { eventually, startHarness, type Harness } from '../support/xds-harness';
import { grpcClient, instance, meshState, service } from './support/mesh-fixtures';

const TRUST_DOMAIN = 'switchyard.local';
const proxy = grpcClient('shop-client');
const security = meshSecurity();

let h: Harness;
const servers: grpc.Server[] = [];
const clients: grpc.Client[] = [];
let echoPort = 0;
let impostorPort = 0;
let plaintextPort = 0;
/** Client identities the echo server saw (URI SANs of the presented certificate). */
const seenClients: string[] = [];
/** The name of each server whose handler a call reached. */
const served: string[] = [];

/** A gRPC server answering with `name`, requiring a client certificate from `rootPem` when given a key pair. */
async function startServer(name: string, tls: { rootPem: string; cert: WorkloadCertificate } | undefined): Promise<number> {
  const server = new grpc.Server();
  servers.push(server);
  server.register(
    ECHO_METHOD,
    (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const peerCert = call.getAuthContext().sslPeerCertificate;
      served.push(name);
      if (peerCert?.subjectaltname) seenClients.push(peerCert.subjectaltname);
      callback(null, Buffer.from(name));
    },
    (b: Buffer) => b,
    (b: Buffer) => b,
    'unary',
  );
  const creds = tls
    ? grpc.ServerCredentials.createSsl(
        Buffer.from(tls.rootPem),
        [{ cert_chain: Buffer.from(tls.cert.certPem), private_key: Buffer.from(tls.cert.keyPem) }],
        true,
      )
    : grpc.ServerCredentials.createInsecure();
  return new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, port) => (err ? reject(err) : resolve(port))));
}

function strictMesh(): MeshState {
  return meshState(
    [
      service('echo', { protocol: 'grpc', port: 50051 }),
      service('impostor-target', { protocol: 'grpc', port: 50052 }),
      service('plain', { protocol: 'grpc', port: 50053 }),
    ],
    [
      instance('echo', 'echo-1', '127.0.0.1', echoPort),
      // Its instance holds echo's certificate, not impostor-target's: the client must refuse it.
      instance('impostor-target', 'impostor-1', '127.0.0.1', impostorPort),
      // Serves plaintext only: an mTLS client cannot talk to it.
      instance('plain', 'plain-1', '127.0.0.1', plaintextPort),
    ],
    { mtls: 'strict', trustDomain: TRUST_DOMAIN },
  );
}

function call(client: grpc.Client): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      ECHO_METHOD,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from('ping'),
      { deadline: Date.now() + 3000 },
      (err, res) => (err ? reject(err) : resolve(res!.toString())),
    );
  });
}

function xdsMtlsClient(target: string): grpc.Client {
  const client = new grpc.Client(target, new XdsChannelCredentials(grpc.credentials.createInsecure()));
  clients.push(client);
  return client;
}

beforeAll(async () => {
  const { root } = await createRoot(TRUST_DOMAIN);
  const issue = (s: string) => issueWorkloadCertificate(root, { trustDomain: TRUST_DOMAIN, service: s, keyType: 'ecdsa-p256', ttlMs: 3600_000 });
  const [echoCert, clientCert] = await Promise.all([issue('echo'), issue('shop-client')]);
  echoPort = await startServer('echo', { rootPem: root.certPem, cert: echoCert });
  impostorPort = await startServer('impostor', { rootPem: root.certPem, cert: echoCert });
  plaintextPort = await startServer('plain', undefined);

  // The files a workload's certificate agent would keep current; the bootstrap names them.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-mtls-'));
  const file = (n: string, content: string) => {
    const p = path.join(dir, n);
    fs.writeFileSync(p, content, { mode: 0o600 });
    return p;
  };
  h = await startHarness();
  useXdsBootstrap(
    h.address,
    { id: proxy.nodeId, cluster: proxy.service },
    {
      certificate_providers: {
        [GRPC_CERTIFICATE_PROVIDER_INSTANCE]: {
          plugin_name: 'file_watcher',
          config: {
            certificate_file: file('cert.pem', clientCert.certPem),
            private_key_file: file('key.pem', clientCert.keyPem),
            ca_certificate_file: file('ca.pem', root.certPem),
            refresh_interval: '600s',
          },
        },
      },
    },
  );
  const state = strictMesh();
  expect(proxyGroupKey(state, proxy, { security })).toBe('grpc:shop-client');
  const { resources, warnings } = translateForProxy(state, proxy, { security });
  expect(warnings).toEqual([]);
  h.cache.setSnapshot(proxy.service, resources);
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of servers) s.forceShutdown();
  await h?.stop();
});

describe('proxyless gRPC over mesh mTLS', () => {
  it('calls the target over mutual TLS, presenting its own SPIFFE identity', async () => {
    const client = xdsMtlsClient('xds:///echo');
    await eventually(
      async () => {
        try {
          return (await call(client)) === 'echo';
        } catch {
          return false;
        }
      },
      20_000,
      'first mTLS call through xds:///echo',
    );
    expect(seenClients).toContain(`URI:spiffe://${TRUST_DOMAIN}/svc/shop-client`);
    expect(h.observer.nacks).toEqual([]);
  });

  it("refuses a server whose certificate is another service's, and a plaintext server", async () => {
    const handshakeFailure: Record<string, RegExp> = {
      // The client's check of the server's SPIFFE ID (the cluster's SAN matcher).
      'impostor-target': /No matching subject alternative name found in certificate/,
      // A TLS ClientHello answered by a plaintext HTTP/2 server: OpenSSL cannot read the reply as a TLS record.
      plain: /SSL routines:.*wrong version number/,
    };
    for (const target of ['impostor-target', 'plain']) {
      const client = xdsMtlsClient(`xds:///${target}`);
      // Resources are there (the channel resolves), yet no call may succeed.
      let lastError: Error | undefined;
      for (let i = 0; i < 5; i++) {
        try {
          const who = await call(client);
          throw new Error(`call to ${target} reached ${who}`);
        } catch (e) {
          lastError = e as Error;
          if (lastError.message.startsWith('call to')) throw lastError;
        }
      }
      // UNAVAILABLE alone is also what a missing route or a closed port gives: the details must
      // name the handshake failure itself.
      expect((lastError as grpc.ServiceError).code).toBe(grpc.status.UNAVAILABLE);
      expect((lastError as grpc.ServiceError).details).toMatch(handshakeFailure[target]!);
    }
    // No call reached either server's handler.
    expect(served.filter((name) => name !== 'echo')).toEqual([]);
    expect(h.observer.nacks).toEqual([]);
  });
});
