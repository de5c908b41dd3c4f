// switchyard_xds_convergence_seconds records registry change → proxy ACK, and only that: a
// proxy's initial sync does not count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { sotwClient, type SotwClient } from '../support/ads-client';
import { adminJson, startServe, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

let serve: ServeProcess;
let client: SotwClient;

beforeAll(async () => {
  serve = await startServe(['--debounce', '20ms']);
});
afterAll(async () => {
  client?.close();
  await serve?.stop();
});

async function edsConvergenceCount(): Promise<number> {
  const text = (await adminJson(serve.adminUrl, 'GET', '/metrics')).body as string;
  const m = /^switchyard_xds_convergence_seconds_count\{type="EDS"\} (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('convergence metric', () => {
  it('counts the ACK of a push that carries a registry change, not the initial sync', async () => {
    client = sotwClient(serve.xdsAddress);
    client.send({
      node: { id: 'frontend-1', cluster: 'frontend', user_agent_name: 'envoy' },
      type_url: TypeUrl.ClusterLoadAssignment,
      resource_names: ['catalog'],
    });
    const initial = await client.inbox.next(10_000);
    client.ack(initial, ['catalog']);
    await new Promise((r) => setTimeout(r, 200));
    expect(await edsConvergenceCount()).toBe(0);

    await adminJson(serve.adminUrl, 'PUT', '/v1/services/catalog/instances/c1', { address: '10.0.0.9', port: 15006, labels: { version: 'v1' } });
    const push = await client.inbox.next(10_000);
    expect(push.version_info).not.toBe(initial.version_info);
    client.ack(push, ['catalog']);
    await eventually(async () => (await edsConvergenceCount()) === 1, 5000, 'convergence observed');
  });
});
