// Nothing a user registered is lost across a crash: register, kill -9, restart, and the same
// endpoints are served at once, before anything re-registers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../src/proto/codec';
import { TypeUrl } from '../../src/proto/type-urls';
import { sotwClient } from '../support/ads-client';
import { adminJson, startServe, tempDir, type ServeProcess, adminFetch } from '../support/serve-process';

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop('SIGKILL');
});

async function catalogEndpoints(xdsAddress: string): Promise<string[]> {
  const c = sotwClient(xdsAddress);
  try {
    c.send({ node: { id: 'frontend-1', cluster: 'frontend', user_agent_name: 'envoy' }, type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['catalog'] });
    const res = await c.inbox.next(10_000);
    const cla = decodeMessage<{
      endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { address: string; port_value: number } } } }> }>;
    }>(res.resources[0]!.type_url, res.resources[0]!.value);
    return cla.endpoints
      .flatMap((l) => l.lb_endpoints.map((e) => `${e.endpoint.address.socket_address.address}:${e.endpoint.address.socket_address.port_value}`))
      .sort();
  } finally {
    c.close();
  }
}

describe('restart', () => {
  it("refuses a second server on the same data dir, naming the holder; a crashed holder's lock is taken over", async () => {
    const dataDir = tempDir();
    const first = await startServe([], { dataDir });
    running.push(first);
    await expect(startServe([], { dataDir })).rejects.toThrow(new RegExp(`in use by another switchyard serve \\(pid ${first.child.pid}\\)`));
    await first.stop('SIGKILL');
    running.pop();
    const second = await startServe([], { dataDir });
    running.push(second);
    expect(second.child.exitCode).toBeNull();
  });

  it('serves the same endpoints after kill -9, before anything re-registers', async () => {
    const dataDir = tempDir();
    const first = await startServe([], { dataDir });
    running.push(first);
    for (let i = 1; i <= 20; i++) {
      const res = await adminJson(first.adminUrl, 'PUT', `/v1/services/catalog/instances/c${i}`, {
        address: `10.0.0.${i}`,
        port: 15006,
        labels: { version: i % 2 ? 'v1' : 'v2' },
      });
      expect(res.status).toBe(200);
    }
    const before = await catalogEndpoints(first.xdsAddress);
    expect(before).toHaveLength(20);
    // The CA root was created on first start, its key readable by its owner only.
    const bundle = await (await adminFetch(`${first.adminUrl}/v1/ca/bundle`)).text();
    expect(new X509Certificate(bundle).ca).toBe(true);
    expect(fs.statSync(path.join(dataDir, 'ca', 'root-key.pem')).mode & 0o777).toBe(0o600);

    expect(await first.stop('SIGKILL')).toBeNull();
    running.pop();

    const second = await startServe([], { dataDir });
    running.push(second);
    expect(await catalogEndpoints(second.xdsAddress)).toEqual(before);
    // …and the same root, not a new one.
    expect(await (await adminFetch(`${second.adminUrl}/v1/ca/bundle`)).text()).toBe(bundle);
  });
});
