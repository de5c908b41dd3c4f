// `switchyard wait-ready`: blocks until a proxy has ACKed every type it needs, then exits 0; times
// out with what it was waiting for. Against a real serve and a raw ADS stream that subscribes the
// way Envoy does (CDS and LDS first, EDS and RDS after).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envoyLike, type EnvoyLike } from '../support/envoy-like';
import { BIN, adminJson, startServe, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

let serve: ServeProcess;
const proxies: EnvoyLike[] = [];

beforeAll(async () => {
  serve = await startServe(['--debounce', '20ms']);
});
afterAll(async () => {
  for (const p of proxies) p.close();
  await serve?.stop();
});

function waitReady(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'wait-ready', ...args, '--admin-address', serve.adminUrl.replace('http://', '')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('switchyard wait-ready', () => {
  it('waits for a proxy that connects later and exits 0 once it ACKed every type', async () => {
    const started = Date.now();
    const waiting = waitReady(['--node', 'frontend-1', '--timeout', '30s']);
    // Connect after the command is already polling.
    await new Promise((r) => setTimeout(r, 700));
    const proxy = envoyLike(serve.xdsAddress, { id: 'frontend-1', cluster: 'frontend' }, { holdFollowUps: true });
    proxies.push(proxy);
    // CDS and LDS ACKed, but EDS and RDS not yet asked for: not ready, and it says why.
    await eventually(
      async () => {
        const r = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies/frontend-1/ready')).body as {
          ready: boolean;
          types: Record<string, { ackedVersion?: string }>;
        };
        return r.types.CDS?.ackedVersion !== undefined && r.types.LDS?.ackedVersion !== undefined;
      },
      10_000,
      'CDS and LDS ACKed',
    );
    const partial = (await adminJson(serve.adminUrl, 'GET', '/v1/proxies/frontend-1/ready')).body as { ready: boolean; waitingFor: string[] };
    expect(partial.ready).toBe(false);
    expect(partial.waitingFor).toEqual(expect.arrayContaining(['EDS: not subscribed yet', 'RDS: not subscribed yet']));
    proxy.followUp();
    const result = await waiting;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^frontend-1: ready \(.*CDS .*EDS .*LDS .*RDS /);
    expect(Date.now() - started).toBeGreaterThan(700);
  });

  it('times out with exit 1 naming what it waited for', async () => {
    const proxy = envoyLike(serve.xdsAddress, { id: 'orders-1', cluster: 'orders' }, { nackTypes: ['type.googleapis.com/envoy.config.cluster.v3.Cluster'] });
    proxies.push(proxy);
    const result = await waitReady(['--node', 'orders-1', '--timeout', '2s']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('orders-1 not ready after 2s');
    expect(result.stderr).toMatch(/CDS: version \S+ was NACKed: Cluster .*rejected by the test/);
    const absent = await waitReady(['--node', 'nobody', '--timeout', '1s']);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain('no stream from node "nobody" is connected yet');
  });

  it('needs --node', async () => {
    const r = await waitReady([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--node ID is required');
  });
});
