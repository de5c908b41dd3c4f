// A client that never ACKs its SDS response cannot stall a root rotation: after --rotation-grace
// the laggard is disconnected (UNAVAILABLE; it reconnects and is sent the new root) and the
// rotation finishes, so the next `ca rotate` is accepted. Before, every later rotate was 409.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { sotwClient, type SotwClient } from '../support/ads-client';
import { adminJson, startServe, type ServeProcess } from '../support/serve-process';
import { bearer, caBundle, createToken, tlsCredentials } from '../support/xds-credentials';
import { eventually } from '../support/xds-harness';

let serve: ServeProcess;
const clients: SotwClient[] = [];

beforeAll(async () => {
  serve = await startServe(['--debounce', '20ms', '--rotation-grace', '3s'], { secureXds: true });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await serve?.stop();
});

async function facts(): Promise<{ rotating: boolean }> {
  return (await adminJson(serve.adminUrl, 'GET', '/v1/ca')).body as { rotating: boolean };
}

describe('rotation grace', () => {
  it('a silent SDS client is disconnected after the grace period and the rotation finishes', async () => {
    const credentials = tlsCredentials(await caBundle(serve.adminUrl));
    const { token } = await createToken(serve.adminUrl, 'orders');
    const silent = sotwClient(serve.xdsAddress, bearer(token), credentials);
    clients.push(silent);
    silent.send({
      node: { id: 'orders-silent', cluster: 'orders', user_agent_name: 'envoy' },
      type_url: TypeUrl.Secret,
      resource_names: ['default', 'ROOTCA'],
    });
    silent.ack(await silent.inbox.next(10_000), ['default', 'ROOTCA']);

    const rotated = await adminJson(serve.adminUrl, 'POST', '/v1/ca/rotate');
    expect(rotated.status).toBe(200);
    const startedAt = Date.now();
    // The rotation's push arrives; the client never answers it.
    await silent.inbox.next(10_000);
    expect((await facts()).rotating).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await facts()).rotating).toBe(true);

    const end = (await silent.inbox.waitEnd(10_000)) as grpc.StatusObject;
    expect(end.code).toBe(grpc.status.UNAVAILABLE);
    expect(end.details).toContain('rotation');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(3000);
    await eventually(async () => !(await facts()).rotating, 5_000, 'the rotation to finish');
    // The xDS listener's certificate was re-issued from the new root: a client trusting only the
    // bundle as it is now (the old root has left it) connects.
    const newOnly = tlsCredentials(await caBundle(serve.adminUrl));
    const { token: again } = await createToken(serve.adminUrl, 'orders');
    const fresh = sotwClient(serve.xdsAddress, bearer(again), newOnly);
    clients.push(fresh);
    fresh.send({ node: { id: 'orders-fresh', cluster: 'orders', user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
    expect((await fresh.inbox.next(10_000)).type_url).toBe(TypeUrl.Cluster);
    // And the next rotation is accepted.
    expect((await adminJson(serve.adminUrl, 'POST', '/v1/ca/rotate')).status).toBe(200);
  });
});
