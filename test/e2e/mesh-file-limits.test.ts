// The mesh file is input too: a YAML alias bomb (a few lines that expand exponentially) and an
// oversized file are refused with a clear problem, at start and on hot reload, and counted.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_MESH_YAML } from '../../src/config';
import { adminFetch, BIN, startServe, tempDir, type ServeProcess } from '../support/serve-process';
import { eventually } from '../support/xds-harness';

const dir = tempDir('switchyard-mesh-limits-');
let serve: ServeProcess | undefined;
afterAll(async () => {
  await serve?.stop();
});

/** Nine levels of nine aliases each: 9^9 (387 million) nodes once expanded, in a dozen lines. */
const ALIAS_BOMB = `${EXAMPLE_MESH_YAML}
x-bomb:
  a: &a ["lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
`;

function serveOnce(meshFile: string, extra: string[] = []): { status: number | null; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [BIN, 'serve', '--config', meshFile, '--data-dir', tempDir(), '--xds-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0', ...extra],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { status: r.status, stderr: r.stderr };
}

async function hits(adminUrl: string, limit: string): Promise<number> {
  const m = new RegExp(`^switchyard_limit_hits_total\\{limit="${limit}"\\} (\\S+)$`, 'm').exec(await (await adminFetch(`${adminUrl}/metrics`)).text());
  return m ? Number(m[1]) : 0;
}

describe('mesh file limits', () => {
  it('an alias bomb is refused at start with a problem naming the limit, within seconds', () => {
    const file = path.join(dir, 'bomb.yaml');
    fs.writeFileSync(file, ALIAS_BOMB);
    const started = Date.now();
    const r = serveOnce(file);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}:1:1`);
    expect(r.stderr).toContain('--max-yaml-aliases');
  });

  it('a file over --max-mesh-file-bytes is refused at start', () => {
    const file = path.join(dir, 'big.yaml');
    fs.writeFileSync(file, EXAMPLE_MESH_YAML);
    const r = serveOnce(file, ['--max-mesh-file-bytes', '100']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('more than the maximum of 100');
    expect(r.stderr).toContain('--max-mesh-file-bytes');
  });

  it('a hot reload into an alias bomb keeps the last valid mesh and moves the metric', async () => {
    const file = path.join(dir, 'live.yaml');
    fs.writeFileSync(file, EXAMPLE_MESH_YAML);
    serve = await startServe(['--config', file]);
    const before = await hits(serve.adminUrl, 'yaml_aliases');
    fs.writeFileSync(file, ALIAS_BOMB);
    await eventually(async () => (await hits(serve!.adminUrl, 'yaml_aliases')) === before + 1, 10_000, 'the reload to be refused');
    const ready = await (await fetch(`${serve.adminUrl}/readyz`)).text();
    expect(ready).toContain('--max-yaml-aliases');
  });
});
