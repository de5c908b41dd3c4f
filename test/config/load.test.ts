import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMeshFile, loadMeshFileSync } from '../../src/config/load';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-load-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('loadMeshFile', () => {
  it('reads and parses a file, naming it in locations', async () => {
    const file = path.join(dir, 'mesh.yaml');
    fs.writeFileSync(file, 'services:\n  - name: catalog\n    port: 80800\n');
    const result = await loadMeshFile(file);
    expect(result.config).toBeUndefined();
    expect(result.problems).toEqual([
      {
        path: 'services[0].port',
        message: 'expected a port number from 1 to 65535, got the number 80800',
        location: { file, line: 3, column: 11 },
        severity: 'error',
      },
    ]);
  });

  it('reports a missing file as a problem with the path instead of throwing', async () => {
    const file = path.join(dir, 'absent.yaml');
    await expect(loadMeshFile(file)).resolves.toEqual({
      problems: [{ path: '', message: 'file not found', location: { file }, severity: 'error' }],
    });
  });

  it('reports a directory as a problem', async () => {
    const result = await loadMeshFile(dir);
    expect(result.problems.map((p) => p.message)).toEqual(['is a directory, not a mesh file']);
  });

  it('has a synchronous twin that gives the same answers', async () => {
    const file = path.join(dir, 'sync.yaml');
    fs.writeFileSync(file, 'services:\n  - { name: catalog, port: 8080 }\n');
    expect(loadMeshFileSync(file)).toEqual(await loadMeshFile(file));
    expect(loadMeshFileSync(file).config?.services[0].name).toBe('catalog');
    const absent = path.join(dir, 'absent.yaml');
    expect(loadMeshFileSync(absent)).toEqual(await loadMeshFile(absent));
  });
});
