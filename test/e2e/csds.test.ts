// CSDS on the xDS port, answered to a real gRPC client built from Envoy's csds.proto with
// @grpc/proto-loader (independent of the server's protobufjs codec): unary and streaming, node
// matchers, SYNCED / ERROR states with the NACK, and the ACL token it asks for.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtoGrpcType as CsdsProto } from '../../src/generated/csds';
import type { ClientStatusResponse__Output } from '../../src/generated/envoy/service/status/v3/ClientStatusResponse';
import type { ClientStatusRequest } from '../../src/generated/envoy/service/status/v3/ClientStatusRequest';
import type { ClientStatusDiscoveryServiceClient } from '../../src/generated/envoy/service/status/v3/ClientStatusDiscoveryService';
import { decodeMessage } from '../../src/proto/codec';
import { TypeUrl } from '../../src/proto/type-urls';
import { deltaClient } from '../support/ads-client';
import { envoyLike, type EnvoyLike } from '../support/envoy-like';
import { TEST_ADMIN_TOKEN, adminJson, startServe, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

const PROTO_DIR = path.resolve(__dirname, '../../protos');
let serve: ServeProcess;
let client: ClientStatusDiscoveryServiceClient;
const proxies: EnvoyLike[] = [];

function csdsClient(address: string): ClientStatusDiscoveryServiceClient {
  const def = protoLoader.loadSync('envoy/service/status/v3/csds.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(PROTO_DIR, d)),
  });
  const proto = grpc.loadPackageDefinition(def) as unknown as CsdsProto;
  return new proto.envoy.service.status.v3.ClientStatusDiscoveryService(address, grpc.credentials.createInsecure());
}

function auth(token = TEST_ADMIN_TOKEN): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

function fetchStatus(req: ClientStatusRequest, md = auth()): Promise<ClientStatusResponse__Output> {
  return new Promise((resolve, reject) => client.FetchClientStatus(req, md, (err, res) => (err ? reject(err) : resolve(res!))));
}

beforeAll(async () => {
  serve = await startServe(['--debounce', '20ms']);
  client = csdsClient(serve.xdsAddress);
  proxies.push(envoyLike(serve.xdsAddress, { id: 'frontend-1', cluster: 'frontend' }));
  proxies.push(envoyLike(serve.xdsAddress, { id: 'orders-1', cluster: 'orders' }, { nackTypes: [TypeUrl.Cluster] }));
  for (const node of ['frontend-1', 'orders-1']) {
    await eventually(
      async () => {
        const r = (await adminJson(serve.adminUrl, 'GET', `/v1/proxies/${node}/ready`)).body as {
          ready: boolean;
          types: Record<string, { ackedVersion?: string; nacked: boolean }>;
        };
        return node === 'orders-1' ? r.types.CDS?.nacked === true && r.types.LDS?.ackedVersion !== undefined : r.ready;
      },
      10_000,
      `${node} settled`,
    );
  }
});
afterAll(async () => {
  for (const p of proxies) p.close();
  client?.close();
  await serve?.stop();
});

describe('CSDS (envoy.service.status.v3.ClientStatusDiscoveryService)', () => {
  it('FetchClientStatus lists every proxy with each resource it was sent, its version and state', async () => {
    const res = await fetchStatus({});
    expect(res.config.map((c) => c.node?.id)).toEqual(['frontend-1', 'orders-1']);
    const frontend = res.config[0]!;
    expect(frontend.node?.cluster).toBe('frontend');
    const byType = (type: string) => frontend.generic_xds_configs.filter((g) => g.type_url === type);
    expect(
      byType(TypeUrl.Cluster)
        .map((g) => g.name)
        .sort(),
    ).toEqual(['catalog', 'catalog/v1', 'catalog/v2', 'inbound|frontend', 'orders']);
    expect(
      byType(TypeUrl.Listener)
        .map((g) => g.name)
        .sort(),
    ).toEqual(['inbound|15006', 'outbound|15001']);
    expect(byType(TypeUrl.RouteConfiguration).map((g) => g.name)).toEqual(['outbound|15001']);
    for (const g of frontend.generic_xds_configs) {
      expect(g.config_status, g.name).toBe('SYNCED');
      expect(g.client_status, g.name).toBe('ACKED');
      expect(g.version_info).not.toBe('');
    }
    // The contents are the resource itself, decodable as its type.
    const route = byType(TypeUrl.RouteConfiguration)[0]!;
    expect(route.xds_config?.type_url).toBe(TypeUrl.RouteConfiguration);
    const decoded = decodeMessage<{ virtual_hosts: Array<{ name: string }> }>(TypeUrl.RouteConfiguration, route.xds_config!.value);
    expect(decoded.virtual_hosts.map((v) => v.name)).toEqual(['catalog', 'orders']);

    // orders-1 NACKed its clusters: ERROR, with the proxy's message and the refused version.
    const orders = res.config[1]!;
    const clusters = orders.generic_xds_configs.filter((g) => g.type_url === TypeUrl.Cluster);
    // The proxy never accepted a cluster, so each one it was sent is reported as refused.
    expect(clusters.map((g) => g.name).sort()).toEqual(['db', 'inbound|orders', 'payments']);
    for (const g of clusters) {
      expect(g.config_status).toBe('ERROR');
      expect(g.client_status).toBe('NACKED');
      expect(g.error_state?.details).toContain('rejected by the test');
      expect(g.error_state?.version_info).toBe(g.version_info);
      expect(g.error_state?.failed_configuration?.type_url).toBe(TypeUrl.Cluster);
    }
    expect(orders.generic_xds_configs.filter((g) => g.type_url === TypeUrl.Listener).every((g) => g.config_status === 'SYNCED')).toBe(true);
  });

  it('filters by node_id matchers and can leave the contents out', async () => {
    const exact = await fetchStatus({ node_matchers: [{ node_id: { exact: 'orders-1' } }] });
    expect(exact.config.map((c) => c.node?.id)).toEqual(['orders-1']);
    const prefix = await fetchStatus({ node_matchers: [{ node_id: { prefix: 'front' } }], exclude_resource_contents: true });
    expect(prefix.config.map((c) => c.node?.id)).toEqual(['frontend-1']);
    expect(prefix.config[0]!.generic_xds_configs.every((g) => g.xds_config === null)).toBe(true);
    const none = await fetchStatus({ node_matchers: [{ node_id: { exact: 'nobody' } }] });
    expect(none.config).toEqual([]);
  });

  it('StreamClientStatus answers each request on one stream', async () => {
    const call = client.StreamClientStatus(auth());
    const answers: ClientStatusResponse__Output[] = [];
    const two = new Promise<void>((resolve, reject) => {
      call.on('data', (m: ClientStatusResponse__Output) => {
        answers.push(m);
        if (answers.length === 2) resolve();
      });
      call.on('error', reject);
    });
    call.write({ node_matchers: [{ node_id: { exact: 'frontend-1' } }] });
    call.write({ node_matchers: [{ node_id: { safe_regex: { regex: 'orders-[0-9]+' } } }] });
    await two;
    call.end();
    expect(answers.map((a) => a.config.map((c) => c.node?.id))).toEqual([['frontend-1'], ['orders-1']]);
  });

  it("reports a delta stream's NACK with the resources it refused", async () => {
    const delta = deltaClient(serve.xdsAddress);
    try {
      delta.send({ node: { id: 'db-delta-1', cluster: 'catalog', user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
      const first = await delta.inbox.next(10_000);
      expect(first.resources.length).toBeGreaterThan(0);
      delta.nack(first, 'delta clusters refused by the test');
      await eventually(
        async () => {
          const res = await fetchStatus({ node_matchers: [{ node_id: { exact: 'db-delta-1' } }] });
          return res.config[0]?.generic_xds_configs.some((g) => g.client_status === 'NACKED') ?? false;
        },
        10_000,
        'the delta NACK in CSDS',
      );
      const res = await fetchStatus({ node_matchers: [{ node_id: { exact: 'db-delta-1' } }] });
      const refused = res.config[0]!.generic_xds_configs.filter((g) => g.client_status === 'NACKED');
      expect(refused.map((g) => g.name).sort()).toEqual(first.resources.map((r) => r.name).sort());
      for (const g of refused) {
        expect(g.error_state?.details).toBe('delta clusters refused by the test');
        expect(g.error_state?.failed_configuration?.type_url).toBe(TypeUrl.Cluster);
      }
    } finally {
      delta.close();
    }
  });

  it('asks for an ACL token with read', async () => {
    await expect(fetchStatus({}, new grpc.Metadata())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(fetchStatus({}, auth('not-a-token-at-all-really'))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const created = (await adminJson(serve.adminUrl, 'POST', '/v1/acl/tokens', { name: 'writer', rules: ['service:write:catalog'] })).body as {
      secret: string;
    };
    await expect(fetchStatus({}, auth(created.secret))).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });
});
