// A real Prometheus (Debian's package, installed by .ci/run) scrapes a real `switchyard serve`,
// and a metric's value is read back through Prometheus's HTTP API. promtool lints our exposition.
import { freePort } from '../support/free-port';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminJson, startServe, tempDir, type ServeProcess, adminFetch } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

let serve: ServeProcess;
let prometheus: ChildProcess | undefined;
let promUrl = '';

beforeAll(async () => {
  serve = await startServe([]);
  const dir = tempDir('switchyard-prom-');
  const adminTarget = serve.adminUrl.replace('http://', '');
  // /metrics needs the `read` rule by default: Prometheus scrapes with a token that has only that.
  const created = await adminJson(serve.adminUrl, 'POST', '/v1/acl/tokens', { name: 'prometheus', rules: ['read'] });
  fs.writeFileSync(path.join(dir, 'scrape-token'), (created.body as { secret: string }).secret, { mode: 0o600 });
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: switchyard\n    authorization:\n      credentials_file: ${path.join(dir, 'scrape-token')}\n    static_configs:\n      - targets: ['${adminTarget}']\n`,
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore' },
  );
});

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await serve?.stop();
});

async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  return body.status === 'success' ? body.data.result : [];
}

describe('metrics', () => {
  it('Prometheus scrapes /metrics and reads back the registry gauge', async () => {
    for (const id of ['c1', 'c2', 'c3']) {
      expect(
        (await adminJson(serve.adminUrl, 'PUT', `/v1/services/catalog/instances/${id}`, { address: '127.0.0.1', port: 9000, labels: { version: 'v1' } }))
          .status,
      ).toBe(200);
    }
    await eventually(
      async () => {
        try {
          const r = await query('switchyard_registry_instances{service="catalog",health="healthy"}');
          return r[0]?.value[1] === '3';
        } catch {
          return false;
        }
      },
      30_000,
      'Prometheus to scrape the registry gauge',
    );
    const up = await query('up{job="switchyard"}');
    expect(up[0]?.value[1]).toBe('1');
  });

  it('promtool check metrics passes on our exposition', async () => {
    const text = await (await adminFetch(`${serve.adminUrl}/metrics`)).text();
    expect(text).toContain('switchyard_xds_streams');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
