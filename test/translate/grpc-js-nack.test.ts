// The compatibility table's NACK row for grpc-js-xds 1.14, with the real client: a cluster it
// cannot accept (an Envoy-only lb_policy, LEAST_REQUEST) is NACKed; the NACK is visible in the
// stream's status and in switchyard_xds_nacks_total; and the rejected resources are not sent again
// while nothing changes. grpc-core-acceptance.test.ts shows the same for C-core 1.51.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwitchyardMetrics } from '../../src/metrics/metrics';
import { TypeUrl } from '../../src/proto/type-urls';
import { translateForProxy } from '../../src/translate/translate';
import type { ResourceSet } from '../../src/xds/resource-set';
import { SnapshotCache } from '../../src/xds/snapshot-cache';
import { XdsServer } from '../../src/xds/server';
import { fanOut } from '../support/observers';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { useXdsBootstrap } from '../support/xds-client';
import { eventually, RecordingObserver } from '../support/xds-harness';
import { grpcJsCaller } from './support/feature-matrix';
import { grpcClient, instance, meshState, service } from './support/mesh-fixtures';

let server: XdsServer;
let backend: EchoBackend;
const recorded = new RecordingObserver();
const metrics = new SwitchyardMetrics();
const caller = grpcJsCaller();

beforeAll(async () => {
  backend = await startEchoBackend('b1');
  const fromMetrics = metrics.xdsObserver(() => 'grpc');
  const cache = new SnapshotCache();
  server = new XdsServer({ cache, observer: fanOut(recorded, fromMetrics), resolveGroup: (node) => ({ group: node.cluster || 'default' }) });
  const address = `127.0.0.1:${await server.listen('127.0.0.1:0')}`;
  const state = meshState(
    [service('client', { protocol: 'grpc' }), service('echo', { protocol: 'grpc' })],
    [instance('echo', 'b1', '127.0.0.1', backend.port)],
  );
  const good = translateForProxy(state, grpcClient('client')).resources;
  // What an Envoy sidecar would be sent for least_request, which translation never sends gRPC.
  const bad: ResourceSet = {
    ...good,
    [TypeUrl.Cluster]: good[TypeUrl.Cluster].map((c) =>
      c.name === 'echo' ? { name: c.name, message: { ...(c.message as object), lb_policy: 'LEAST_REQUEST' } } : c,
    ),
  };
  cache.setSnapshot('client', bad);
  useXdsBootstrap(address, { id: 'client-js-nack', cluster: 'client' });
});

afterAll(async () => {
  caller.close();
  await server?.shutdown(1000);
  await backend?.stop();
});

describe('a NACK from grpc-js-xds 1.14', () => {
  it('is recorded in the stream status and the metrics', async () => {
    const r = await caller.calls({ target: 'xds:///echo', n: 1, deadlineS: 5 });
    expect(r.backends).toEqual({});
    await eventually(() => server.streams()[0]?.types.some((t) => t.lastNack) ?? false, 10_000, 'NACK recorded');
    const cds = server.streams()[0]!.types.find((t) => t.typeUrl === TypeUrl.Cluster)!;
    expect(cds.lastNack?.message).toMatch(/lb_policy|LEAST_REQUEST|echo/i);
    expect(await metrics.registry.getSingleMetricAsString('switchyard_xds_nacks_total')).toMatch(/switchyard_xds_nacks_total\{type="CDS"\} [1-9]/);
  });

  it('is not answered by resending the rejected clusters while nothing changes', async () => {
    const cdsSent = () => recorded.sent.filter((s) => s.typeUrl === TypeUrl.Cluster).length;
    const [sent, nacks] = [cdsSent(), recorded.nacks.length];
    for (let i = 0; i < 5; i++) {
      await caller.calls({ target: 'xds:///echo', n: 1, deadlineS: 1 });
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(cdsSent()).toBe(sent);
    expect(recorded.nacks.length).toBe(nacks);
  });
});
