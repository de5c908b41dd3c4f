// TLS on the xDS listener, the default (--xds-tls is now a no-op): a certificate from the mesh
// CA; a client trusting the bundle (and proving its service) is served, a plaintext one is not.
// The Envoy bootstrap that trusts it validates against Envoy's protos.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateJsonMessage } from '../support/proto-json';
import { TypeUrl } from '../../src/proto/type-urls';
import { adsProto, Inbox, OWN_CONNECTION, sotwClient } from '../support/ads-client';
import type { DiscoveryResponse__Output } from '../../src/generated/envoy/service/discovery/v3/DiscoveryResponse';
import { BIN, adminFetch, adminJson, startServe, type ServeProcess } from '../support/serve-process';

let serve: ServeProcess;
let agentToken: string;
beforeAll(async () => {
  serve = await startServe(['--xds-tls'], { secureXds: true });
  // Minted now: later tests block the event loop in spawnSync long enough for a pooled admin
  // connection to reach the server's keep-alive timeout.
  agentToken = ((await adminJson(serve.adminUrl, 'POST', '/v1/tokens', { service: 'frontend' })).body as { token: string }).token;
});
afterAll(async () => {
  await serve?.stop();
});

describe('TLS on the xDS listener', () => {
  it('serves a client that trusts the CA bundle; a plaintext client gets nothing', async () => {
    const bundle = Buffer.from(await (await adminFetch(`${serve.adminUrl}/v1/ca/bundle`)).text());
    const Ads = adsProto().envoy.service.discovery.v3.AggregatedDiscoveryService;
    const client = new Ads(serve.xdsAddress, grpc.credentials.createSsl(bundle), OWN_CONNECTION);
    const { token } = (await adminJson(serve.adminUrl, 'POST', '/v1/tokens', { service: 'frontend' })).body as { token: string };
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    const call = client.StreamAggregatedResources(md);
    const inbox = new Inbox<DiscoveryResponse__Output>();
    call.on('data', (m: DiscoveryResponse__Output) => inbox.push(m));
    call.on('error', () => undefined);
    call.write({ node: { id: 'frontend-1', cluster: 'frontend', user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
    const res = await inbox.next(10_000);
    expect(res.type_url).toBe(TypeUrl.Cluster);
    call.cancel();
    client.close();

    const plain = sotwClient(serve.xdsAddress);
    plain.send({ node: { id: 'frontend-2', cluster: 'frontend' }, type_url: TypeUrl.Cluster });
    const end = (await plain.inbox.waitEnd(10_000)) as grpc.StatusObject;
    expect(end.code).toBe(grpc.status.UNAVAILABLE);
    expect(plain.inbox.count).toBe(0);
    plain.close();
  });

  it("bootstrap envoy --xds-ca-file adds a TLS transport socket that passes Envoy's validation; --insecure-xds leaves it out", () => {
    const plain = spawnSync(process.execPath, [BIN, 'bootstrap', 'envoy', '--service', 'frontend', '--instance', 'f1', '--token', 't', '--insecure-xds'], {
      encoding: 'utf8',
    });
    expect(plain.status).toBe(0);
    expect(plain.stdout).not.toContain('transport_socket');
    const byIp = spawnSync(process.execPath, [BIN, 'bootstrap', 'envoy', '--service', 'frontend', '--instance', 'f1', '--token', 't'], { encoding: 'utf8' });
    expect(byIp.stdout).toContain('/etc/switchyard/ca.pem');
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', parse(byIp.stdout) as Record<string, unknown>)).toEqual([]);
    const r = spawnSync(
      process.execPath,
      [BIN, 'bootstrap', 'envoy', '--service', 'frontend', '--instance', 'f1', '--xds-address', 'switchyard:18000', '--xds-ca-file', '/etc/switchyard/ca.pem'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const doc = parse(r.stdout) as Record<string, unknown>;
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', doc)).toEqual([]);
    expect(r.stdout).toContain('/etc/switchyard/ca.pem');
    expect(r.stdout).toContain('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
  });

  it("bootstrap envoy --cert-dir reads the client certificate and the bundle through file-based SDS, from files the agent writes; all valid against Envoy's protos", async () => {
    const token = agentToken;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-sds-files-'));
    const agent = spawnSync(
      process.execPath,
      [BIN, 'agent', '--service', 'frontend', '--out', dir, '--token', token, '--once', '--admin-address', serve.adminUrl.replace('http://', '')],
      { encoding: 'utf8' },
    );
    expect(agent.status, agent.stderr).toBe(0);
    for (const file of ['xds-certificate-sds.yaml', 'xds-ca-sds.yaml']) {
      const doc = parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
      expect(validateJsonMessage('envoy.service.discovery.v3.DiscoveryResponse', doc), file).toEqual([]);
    }
    expect(fs.readFileSync(path.join(dir, 'xds-certificate-sds.yaml'), 'utf8')).toContain(path.join(dir, 'cert.pem'));
    const boot = spawnSync(process.execPath, [BIN, 'bootstrap', 'envoy', '--service', 'frontend', '--instance', 'f1', '--cert-dir', dir], { encoding: 'utf8' });
    expect(boot.status).toBe(0);
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', parse(boot.stdout) as Record<string, unknown>)).toEqual([]);
    expect(boot.stdout).toContain(`${dir}/xds-certificate-sds.yaml`);
    expect(boot.stdout).toContain(`${dir}/xds-ca-sds.yaml`);
  });
});
