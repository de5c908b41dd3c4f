// What one client may cost the control plane: each limit refuses with RESOURCE_EXHAUSTED naming
// the limit's flag, and moves switchyard_limit_hits_total{limit}. Small limits here so each can
// be hit with a handful of real streams. Also: --xds-max-connection-age ends streams.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { Inbox, adsProto, sotwClient, deltaClient, type SotwClient } from '../support/ads-client';
import { adminFetch, startServe, type ServeProcess } from '../support/serve-process';
import type { DiscoveryResponse__Output } from '../../src/generated/envoy/service/discovery/v3/DiscoveryResponse';

let serve: ServeProcess;
const closers: Array<() => void> = [];

beforeAll(async () => {
  // Anonymous plaintext streams: these tests are about limits, not proof.
  serve = await startServe([
    '--xds-max-request-bytes',
    '4096',
    '--xds-max-names-per-request',
    '20',
    '--xds-max-names-per-stream',
    '30',
    '--xds-max-streams',
    '4',
    '--xds-max-connection-age',
    '3s',
    '--log-max-field-length',
    '200',
    '--log-max-repeated-warnings',
    '2',
    '--xds-max-groups',
    '3',
    '--xds-max-streams-per-connection',
    '2',
  ]);
});
afterAll(async () => {
  for (const c of closers) c();
  await serve?.stop();
});

async function hits(limit: string): Promise<number> {
  const text = await (await adminFetch(`${serve.adminUrl}/metrics`)).text();
  const m = new RegExp(`^switchyard_limit_hits_total\\{limit="${limit}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function open(): SotwClient {
  const c = sotwClient(serve.xdsAddress);
  closers.push(() => c.close());
  return c;
}

const NODE = { id: 'frontend-1', cluster: 'frontend', user_agent_name: 'envoy' };

async function refused<T>(c: { inbox: Inbox<T> }): Promise<grpc.StatusObject> {
  const end = (await c.inbox.waitEnd(10_000)) as grpc.StatusObject;
  expect(end.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  return end;
}

describe('xDS limits', () => {
  it('an oversized request is refused, naming --xds-max-request-bytes', async () => {
    const before = await hits('request_bytes');
    const c = open();
    c.send({ node: { ...NODE, metadata: { fields: { junk: { stringValue: 'x'.repeat(8000) } } } }, type_url: TypeUrl.Cluster });
    const end = await refused(c);
    expect(end.details).toContain('--xds-max-request-bytes');
    expect(await hits('request_bytes')).toBe(before + 1);
    c.close();
  });

  it('too many names in one request, or held by one stream, are refused', async () => {
    const perRequest = await hits('names_per_request');
    const c = open();
    c.send({ node: NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names: Array.from({ length: 21 }, (_, i) => `c${i}`) });
    expect((await refused(c)).details).toContain('--xds-max-names-per-request');
    expect(await hits('names_per_request')).toBe(perRequest + 1);
    c.close();

    const perStream = await hits('names_per_stream');
    const d = deltaClient(serve.xdsAddress);
    closers.push(() => d.close());
    d.send({ node: NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names_subscribe: Array.from({ length: 20 }, (_, i) => `a${i}`) });
    d.send({ type_url: TypeUrl.RouteConfiguration, resource_names_subscribe: Array.from({ length: 20 }, (_, i) => `b${i}`) });
    expect((await refused(d)).details).toContain('--xds-max-names-per-stream');
    expect(await hits('names_per_stream')).toBe(perStream + 1);
    d.close();
  });

  it('too many streams on one connection, and in total, are refused', async () => {
    const perConnection = await hits('streams_per_connection');
    const client = new (adsProto().envoy.service.discovery.v3.AggregatedDiscoveryService)(serve.xdsAddress, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    closers.push(() => client.close());
    const inboxes = [0, 1, 2].map((i) => {
      const call = client.StreamAggregatedResources();
      const inbox = new Inbox<DiscoveryResponse__Output>();
      call.on('data', (m: DiscoveryResponse__Output) => inbox.push(m));
      call.on('error', (e: Error) => inbox.end(e));
      call.write({ node: { ...NODE, id: `shared-${i}` }, type_url: TypeUrl.Cluster });
      closers.push(() => call.cancel());
      return inbox;
    });
    await inboxes[0]!.next(10_000);
    await inboxes[1]!.next(10_000);
    expect((await refused({ inbox: inboxes[2]! })).details).toContain('--xds-max-streams-per-connection');
    expect(await hits('streams_per_connection')).toBe(perConnection + 1);

    // Two streams open; two more fill the server's four; the fifth is refused.
    const total = await hits('streams');
    const a = open();
    a.send({ node: { ...NODE, id: 'a' }, type_url: TypeUrl.Cluster });
    await a.inbox.next(10_000);
    const b = open();
    b.send({ node: { ...NODE, id: 'b' }, type_url: TypeUrl.Cluster });
    await b.inbox.next(10_000);
    const c = open();
    c.send({ node: { ...NODE, id: 'c' }, type_url: TypeUrl.Cluster });
    expect((await refused(c)).details).toContain('--xds-max-streams');
    expect(await hits('streams')).toBe(total + 1);
    for (const close of closers.splice(0)) close();
  });

  it('a client cannot flood the log: long fields are cut, and a warning repeated past the rate is counted instead', async () => {
    const cut = await hits('log_field_length');
    const longId = `n${'x'.repeat(1000)}`;
    const c = open();
    c.send({ node: { ...NODE, id: longId }, type_url: TypeUrl.Cluster });
    await c.inbox.next(10_000);
    c.close();
    expect(await hits('log_field_length')).toBeGreaterThan(cut);
    expect(serve.logs.some((l) => l.includes(longId))).toBe(false);
    expect(serve.logs.some((l) => l.includes('more characters cut'))).toBe(true);

    const suppressed = await hits('warnings_suppressed');
    for (let i = 0; i < 5; i++) {
      const ghost = open();
      ghost.send({ node: { ...NODE, id: `ghost-${i}`, cluster: 'ghost' }, type_url: TypeUrl.Cluster });
      expect(((await ghost.inbox.waitEnd(10_000)) as grpc.StatusObject).code).toBe(grpc.status.PERMISSION_DENIED);
      ghost.close();
    }
    expect(await hits('warnings_suppressed')).toBe(suppressed + 3);
    expect(serve.logs.filter((l) => l.includes('service \\"ghost\\" is not in the mesh')).length).toBe(2);
  });

  it('distinct proxy groups beyond --xds-max-groups are refused; a stream joining an existing group is not', async () => {
    const before = await hits('groups');
    const outcomes = await Promise.all(
      ['orders', 'payments', 'catalog', 'db'].map(async (service) => {
        const c = open();
        c.send({ node: { ...NODE, id: `${service}-g`, cluster: service }, type_url: TypeUrl.Cluster });
        return Promise.race([c.inbox.next(10_000).then(() => 'served' as const), c.inbox.waitEnd(10_000).then((e) => e as grpc.StatusObject)]);
      }),
    );
    const refusals = outcomes.filter((o): o is grpc.StatusObject => o !== 'served');
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      expect(r.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(r.details).toContain('--xds-max-groups');
    }
    expect(await hits('groups')).toBe(before + refusals.length);
    for (const close of closers.splice(0)) close();
  });

  it('--xds-max-connection-age ends a stream (UNAVAILABLE) so the proxy reconnects', async () => {
    const c = open();
    c.send({ node: NODE, type_url: TypeUrl.Cluster });
    await c.inbox.next(10_000);
    const openedAt = Date.now();
    const end = (await c.inbox.waitEnd(5_000)) as grpc.StatusObject;
    expect(end.code).toBe(grpc.status.UNAVAILABLE);
    expect(end.details).toContain('maximum connection age');
    expect(Date.now() - openedAt).toBeLessThan(3_500);
  });
});
