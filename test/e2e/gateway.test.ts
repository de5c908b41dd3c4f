// An ingress gateway end to end: a real `switchyard serve` with a gateways: entry, the CLI's
// `token create --gateway` and `bootstrap envoy --gateway` (checked strictly as an Envoy
// Bootstrap), and a raw ADS stream presenting exactly that bootstrap's node and token, which must
// be sent the gateway's listeners, routes, clusters and its own certificate (SPIFFE ID plus the
// internal DNS names its https listener presents). No Envoy runs here: see the README.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../src/proto/codec';
import { TypeUrl } from '../../src/proto/type-urls';
import { validateMessageBytes } from '../../src/proto/validate';
import { sotwClient, type SotwClient } from '../support/ads-client';
import { caBundle, tlsCredentials } from '../support/xds-credentials';
import { validateJsonMessage } from '../support/proto-json';
import { BIN, adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

const MESH = `
mesh:
  trustDomain: switchyard.local
  mtls: strict
  defaultPolicy: deny
  accessLog: { to: stdout, format: json }
gateways:
  - name: public
    listeners:
      - port: 8443
        protocol: https
        tls: { issuer: mesh, names: [ shop.internal ] }
        routes:
          - hosts: [ shop.internal ]
            match: { pathPrefix: /catalog }
            destinations: [ { service: catalog } ]
          - destinations: [ { service: frontend } ]
      - port: 8000
        protocol: http
        routes:
          - destinations: [ { service: frontend } ]
services:
  - name: frontend
    port: 8080
    allow: [ public ]
  - name: catalog
    port: 8080
    allow: [ public, frontend ]
  - name: payments
    port: 8080
    allow: [ frontend ]
`;

let serve: ServeProcess;
let bundle: Buffer;
const streams: SotwClient[] = [];

beforeAll(async () => {
  const dir = tempDir('switchyard-gateway-');
  const mesh = path.join(dir, 'mesh.yaml');
  fs.writeFileSync(mesh, MESH);
  serve = await startServe(['--config', mesh, '--debounce', '20ms'], { secureXds: true });
  bundle = await caBundle(serve.adminUrl);
  for (const [id, service] of [
    ['frontend-1', 'frontend'],
    ['catalog-1', 'catalog'],
  ]) {
    expect((await adminJson(serve.adminUrl, 'PUT', `/v1/services/${service}/instances/${id}`, { address: '10.0.0.1', port: 15006 })).status).toBe(200);
  }
});
afterAll(async () => {
  for (const s of streams) s.close();
  await serve?.stop();
});

function cli(args: string[]) {
  const admin = serve.adminUrl.replace('http://', '');
  const r = spawnSync(process.execPath, [BIN, ...args, '--admin-address', admin], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface BootstrapNode {
  id: string;
  cluster: string;
  metadata: Record<string, string>;
}

function gatewayBootstrap(token: string): { node: BootstrapNode; doc: Record<string, unknown> } {
  const r = spawnSync(
    process.execPath,
    [BIN, 'bootstrap', 'envoy', '--gateway', 'public', '--token', token, '--xds-address', serve.xdsAddress, '--format', 'json'],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as { node: BootstrapNode };
  return { node: doc.node, doc };
}

/** An ADS stream with the bootstrap's node and token, as the gateway Envoy would open it. */
function gatewayStream(node: BootstrapNode, token: string): SotwClient {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  const s = sotwClient(serve.xdsAddress, md, tlsCredentials(bundle));
  streams.push(s);
  const metadata = { fields: Object.fromEntries(Object.entries(node.metadata).map(([k, v]) => [k, { stringValue: v }])) };
  s.send({ node: { id: node.id, cluster: node.cluster, metadata, user_agent_name: 'envoy' }, type_url: TypeUrl.Listener });
  return s;
}

describe('an ingress gateway proved by its token', () => {
  let token = '';

  it('token create --gateway and bootstrap envoy --gateway give a strictly valid Bootstrap naming the gateway', () => {
    const created = cli(['token', 'create', '--gateway', 'public']);
    expect(created.code, created.stderr).toBe(0);
    token = created.stdout.trim();
    expect(created.stderr).toContain('bootstrap envoy --gateway public');
    const { node, doc } = gatewayBootstrap(token);
    expect(validateJsonMessage('envoy.config.bootstrap.v3.Bootstrap', doc)).toEqual([]);
    expect(node).toEqual({ id: 'public', cluster: 'public', metadata: { 'switchyard.io/gateway': 'public' } });
    // Not a sidecar: --service and --gateway exclude each other.
    const both = spawnSync(process.execPath, [BIN, 'bootstrap', 'envoy', '--gateway', 'public', '--service', 'frontend'], { encoding: 'utf8' });
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--gateway and --service exclude each other');
  });

  it("is sent its listeners, routes and clusters, and its certificate with its SPIFFE ID and the https listener's names", async () => {
    const { node } = gatewayBootstrap(token);
    const s = gatewayStream(node, token);
    const lds = await s.inbox.next(10_000);
    const listeners = lds.resources.map((r) => {
      expect(validateMessageBytes(r.type_url, r.value)).toEqual([]);
      return decodeMessage<{ name: string; address: { socket_address: { port_value: number } } }>(r.type_url, r.value);
    });
    expect(listeners.map((l) => [l.name, l.address.socket_address.port_value])).toEqual([
      ['gateway|8000', 8000],
      ['gateway|8443', 8443],
    ]);
    s.ack(lds);

    s.send({ type_url: TypeUrl.Cluster });
    const cds = await s.inbox.next(10_000);
    // payments does not allow the gateway, and no route names it: no cluster.
    expect(cds.resources.map((r) => decodeMessage<{ name: string }>(r.type_url, r.value).name)).toEqual(['catalog', 'frontend']);
    s.ack(cds);

    s.send({ type_url: TypeUrl.RouteConfiguration, resource_names: ['gateway|8443'] });
    const rds = await s.inbox.next(10_000);
    const routes = decodeMessage<{ virtual_hosts: Array<{ domains: string[] }> }>(rds.resources[0]!.type_url, rds.resources[0]!.value);
    expect(routes.virtual_hosts.map((v) => v.domains)).toEqual([['shop.internal'], ['*']]);
    s.ack(rds, ['gateway|8443']);

    s.send({ type_url: TypeUrl.Secret, resource_names: ['default', 'ROOTCA'] });
    const sds = await s.inbox.next(10_000);
    const secret = sds.resources
      .map((r) => decodeMessage<{ name: string; tls_certificate?: { certificate_chain?: { inline_string?: string } } }>(r.type_url, r.value))
      .find((x) => x.name === 'default')!;
    const cert = new X509Certificate(secret.tls_certificate!.certificate_chain!.inline_string!);
    expect(cert.subjectAltName).toBe('URI:spiffe://switchyard.local/svc/public, DNS:shop.internal');

    await eventually(
      async () => {
        const proxies = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body as { proxies: Array<{ nodeId: string; group: string }> };
        return proxies.proxies.some((p) => p.nodeId === 'public' && p.group.startsWith('gateway:public:authn'));
      },
      10_000,
      'the gateway listed in its authenticated gateway group',
    );
    const metrics = (await adminJson(serve.adminUrl, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/switchyard_xds_streams\{proxy_kind="gateway",protocol="sotw",service="ads"\} 1/);
  });

  it('is pushed a registry change of a service it routes to (the publisher knows what a gateway depends on)', async () => {
    const { node } = gatewayBootstrap(token);
    const s = gatewayStream(node, token);
    s.ack(await s.inbox.next(10_000));
    s.send({ type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['catalog'] });
    const first = await s.inbox.next(10_000);
    expect(first.type_url).toBe(TypeUrl.ClusterLoadAssignment);
    s.ack(first, ['catalog']);
    expect((await adminJson(serve.adminUrl, 'PUT', '/v1/services/catalog/instances/catalog-2', { address: '10.0.0.2', port: 15006 })).status).toBe(200);
    const pushed = await s.inbox.next(10_000);
    const cla = decodeMessage<{ endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { address: string } } } }> }> }>(
      pushed.resources[0]!.type_url,
      pushed.resources[0]!.value,
    );
    expect(cla.endpoints.flatMap((e) => e.lb_endpoints.map((l) => l.endpoint.address.socket_address.address)).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it("a stream claiming the gateway with another name's token is refused", async () => {
    const frontendToken = cli(['token', 'create', '--service', 'frontend']).stdout.trim();
    const { node } = gatewayBootstrap(token);
    const s = gatewayStream(node, frontendToken);
    const end = (await s.inbox.waitEnd(10_000)) as grpc.StatusObject;
    expect(end.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(end.details).toContain('the xDS token proves service "frontend" but node.cluster is "public"');
  });
});
