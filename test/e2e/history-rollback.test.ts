// History and rollback end to end: a real serve with a mesh file, real echo backends, and the real
// @grpc/grpc-js-xds client calling catalog. The file moves catalog's split from 90/10 to 10/90 and
// the client follows; `switchyard rollback 1` re-applies the first version and the client follows
// back. `switchyard history` names who did what (the file, the ACL token behind each admin write),
// `switchyard diff` shows the weights that moved, the client's node is listed as having ACKed, a
// token without mesh:write cannot roll back, and --history-keep bounds what is kept.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/history/history-store';
import { callEcho, countCalls, startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { BIN, adminJson, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { useXdsBootstrap, xdsClient } from '../support/xds-client';
import { eventually } from '../support/xds-harness';

const meshFile = path.join(tempDir(), 'mesh.yaml');
const mesh = (v1: number, v2: number) => `mesh:
  trustDomain: switchyard.local
  mtls: disabled
  defaultPolicy: deny
services:
  - name: frontend
    protocol: grpc
    port: 8080
  - name: catalog
    protocol: grpc
    port: 8080
    subsets:
      v1: { version: v1 }
      v2: { version: v2 }
    routes:
      - destinations: [ { subset: v1, weight: ${v1} }, { subset: v2, weight: ${v2} } ]
    allow: [ frontend ]
`;

let serve: ServeProcess;
const backends: Record<string, EchoBackend> = {};
let catalog: grpc.Client;
let ciToken: string;

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--admin-address', serve.adminUrl.replace('http://', '')], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function history(): Promise<HistoryEntry[]> {
  return ((await adminJson(serve.adminUrl, 'GET', '/v1/history')).body as { entries: HistoryEntry[] }).entries;
}

/** The share of 400 calls v2 answers. */
async function v2Share(): Promise<number> {
  const counts = await countCalls(catalog, 400);
  return (counts.v2 ?? 0) / 400;
}

beforeAll(async () => {
  fs.writeFileSync(meshFile, mesh(90, 10));
  serve = await startServe(['--config', meshFile, '--debounce', '50ms', '--history-keep', '12']);
  ciToken = ((await adminJson(serve.adminUrl, 'POST', '/v1/acl/tokens', { name: 'ci', rules: ['service:write:catalog', 'read'] })).body as { secret: string })
    .secret;
  for (const name of ['v1', 'v2']) backends[name] = await startEchoBackend(name);
  for (const v of ['v1', 'v2']) {
    const r = cli(['register', 'catalog', `catalog-${v}`, '--address', '127.0.0.1', '--port', String(backends[v]!.port), '--label', `version=${v}`], {
      SWITCHYARD_ADMIN_TOKEN: ciToken,
    });
    expect(r.code, r.stderr).toBe(0);
  }
  useXdsBootstrap(serve.xdsAddress, { id: 'frontend-1', cluster: 'frontend' });
  catalog = xdsClient('xds:///catalog');
  await callEcho(catalog, 15_000);
});
afterAll(async () => {
  catalog?.close();
  await Promise.all(Object.values(backends).map((b) => b.stop()));
  await serve?.stop();
});

describe('history, diff and rollback', () => {
  it('records the first mesh, the ACL token behind each admin write, and the proxies that ACKed', async () => {
    const entries = await history();
    const first = entries.at(-1)!;
    expect(first).toMatchObject({ version: 1, kind: 'mesh', who: 'serve', what: `serve started with ${meshFile}` });
    expect(entries.filter((e) => e.kind === 'admin').map((e) => [e.who, e.what])).toEqual([
      ['ci', 'PUT /v1/services/catalog/instances/catalog-v2'],
      ['ci', 'PUT /v1/services/catalog/instances/catalog-v1'],
      ['management', 'POST /v1/acl/tokens'],
    ]);
    // The token's request is recorded without anything that could be a credential.
    expect(JSON.stringify(entries)).not.toContain(ciToken);
    await eventually(
      async () => (await history()).find((e) => e.version === 1)!.ackedBy.includes('frontend-1'),
      10_000,
      'frontend-1 listed as having ACKed version 1',
    );
    expect(await v2Share()).toBeLessThan(0.2);
  });

  it('follows a file edit, then a rollback to version 1, with a real client', async () => {
    fs.writeFileSync(meshFile, mesh(10, 90));
    await eventually(async () => (await history())[0]!.what === 'mesh file reloaded', 10_000, 'the reload recorded');
    const reload = (await history())[0]!;
    expect(reload).toMatchObject({ kind: 'mesh', who: 'file', summary: ['service catalog: routes changed'] });
    await eventually(async () => (await v2Share()) > 0.75, 20_000, 'the client following 10/90');

    const diff = cli(['diff', '1', String(reload.version)]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('# service catalog: routes changed');
    expect(diff.stdout).toContain('-      - destinations: [ { subset: v1, weight: 90 }, { subset: v2, weight: 10 } ]');
    expect(diff.stdout).toContain('+      - destinations: [ { subset: v1, weight: 10 }, { subset: v2, weight: 90 } ]');

    // A token without mesh:write cannot roll back.
    const refused = cli(['rollback', '1'], { SWITCHYARD_ADMIN_TOKEN: ciToken });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('lacks the rule "mesh:write"');

    const rolled = cli(['rollback', '1']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toMatch(/rolled back to the mesh of version 1 \(now version \d+: service catalog: routes changed\)/);
    expect(rolled.stdout).toContain(`${meshFile} is unchanged`);
    const entries = await history();
    const rollbackEntry = entries.find((e) => e.what === 'rollback to version 1')!;
    expect(rollbackEntry).toMatchObject({ kind: 'mesh', who: 'management', meshHash: entries.find((e) => e.version === 1)!.meshHash });
    await eventually(async () => (await v2Share()) < 0.2, 20_000, 'the client following the rolled-back 90/10');
    // The real gRPC client's proxy is in sync (wait-ready), and explain reads the rolled-back split from what it holds.
    const ready = cli(['wait-ready', '--node', 'frontend-1', '--timeout', '20s']);
    expect(ready.code, ready.stderr).toBe(0);
    const explained = cli(['explain', '--from', 'frontend', '--to', 'catalog', '--json']);
    expect(explained.code, explained.stderr).toBe(0);
    const e = JSON.parse(explained.stdout) as { source: { kind: string }; summary: string };
    expect(e.source.kind).toBe('grpc');
    expect(e.summary).toBe('routed by catalog route 1 to v1 90.0%, v2 10.0%');
    await eventually(
      async () => (await history()).find((e) => e.version === rollbackEntry.version)!.ackedBy.includes('frontend-1'),
      10_000,
      'frontend-1 ACKed the rollback',
    );

    const table = cli(['history']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(`${rollbackEntry.version}\\s+\\S+ \\S+\\s+management\\s+rollback to version 1: service catalog: routes changed\\s+frontend-1`),
    );
    // The rollback's own admin request is the newest entry, marked current.
    expect(table.stdout).toMatch(new RegExp(`${rollbackEntry.version + 1}\\*\\s+\\S+ \\S+\\s+management\\s+POST /v1/history/1/rollback`));
    expect(table.stdout).toMatch(/\s+file\s+mesh file reloaded: service catalog: routes changed/);
  });

  it('keeps at most --history-keep entries, on disk too', async () => {
    for (let i = 0; i < 14; i++) {
      const r = await adminJson(serve.adminUrl, 'PUT', `/v1/services/catalog/instances/extra-${i}`, {
        address: '127.0.0.1',
        port: 1 + i,
        labels: { version: 'v3' },
      });
      expect(r.status).toBe(200);
    }
    const entries = await history();
    expect(entries).toHaveLength(12);
    expect(entries[0]!.what).toBe('PUT /v1/services/catalog/instances/extra-13');
    const stored = JSON.parse(fs.readFileSync(path.join(serve.dataDir, 'history', 'history.json'), 'utf8')) as { entries: HistoryEntry[] };
    expect(stored.entries).toHaveLength(12);
    // Version 1 is gone, and with it the mesh text only it referred to... unless a kept entry still uses it.
    expect((await adminJson(serve.adminUrl, 'GET', '/v1/history/1')).status).toBe(404);
  });
});
