// A proxy NACKs a push; `switchyard status` and /v1/proxies show it, and config-dump shows
// what the proxy holds.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { sotwClient, type SotwClient } from '../support/ads-client';
import { BIN, adminJson, startServe, type ServeProcess } from '../support/serve-process';
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

function cli(args: string[]) {
  const admin = serve.adminUrl.replace('http://', '');
  const r = spawnSync(process.execPath, [BIN, ...args, '--admin-address', admin], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('status and config-dump', () => {
  it('a NACKed push shows in switchyard status with its message', async () => {
    // An Envoy-like sidecar of the shop's frontend (the embedded mesh): CDS wildcard.
    client = sotwClient(serve.xdsAddress);
    client.send({ node: { id: 'frontend-7', cluster: 'frontend', user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
    const first = await client.inbox.next(10_000);
    expect(first.resources.length).toBeGreaterThan(0);
    client.ack(first);

    await eventually(async () => JSON.stringify((await adminJson(serve.adminUrl, 'GET', '/v1/proxies')).body).includes('frontend-7'), 5000, 'proxy listed');
    // The proxy rejects the CDS push (answering its nonce with an error_detail).
    client.nack(first, 'cluster catalog: simulated rejection');
    await eventually(
      () => {
        const r = cli(['status']);
        return r.stdout.includes('NACKED');
      },
      10_000,
      'status to show the NACK',
    );
    const status = cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/frontend-7\s+frontend\s+envoy\s+ads\/sotw\s+NACKED/);
    expect(status.stdout).toContain('simulated rejection');

    const json = cli(['status', '--json']);
    expect(JSON.parse(json.stdout).proxies[0].types[0].lastNack.message).toBe('cluster catalog: simulated rejection');

    const dump = cli(['config-dump', 'frontend-7']);
    expect(dump.code).toBe(0);
    const body = JSON.parse(dump.stdout) as { streams: Array<{ resources: Record<string, Array<{ name: string; resource: Record<string, unknown> }>> }> };
    const clusters = body.streams[0]!.resources.CDS!;
    expect(clusters.map((c) => c.name)).toContain('catalog');
    expect(clusters[0]!.resource['@type']).toBe(TypeUrl.Cluster);

    const missing = cli(['config-dump', 'nobody']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no connected proxy has node id "nobody"');
  });
});
