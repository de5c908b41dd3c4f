import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MeshParseResult } from '../../src/config/parse';
import { watchMeshFile } from '../../src/config/watch';
import type { MeshConfig } from '../../src/model/mesh';

const VALID = 'services:\n  - name: catalog\n    port: 8080\n';
const INVALID = 'services:\n  - name: catalog\n    port: eighty\n';
const VALID_AGAIN = 'services:\n  - name: catalog\n    port: 9090\n';

/** Collects watcher results and lets a test wait for the next one. */
class Results {
  private readonly queue: MeshParseResult[] = [];
  private waiter: ((r: MeshParseResult) => void) | undefined;
  /** What a server would be serving: the last result without errors. */
  lastValid: MeshConfig | undefined;

  readonly listener = (result: MeshParseResult): void => {
    if (result.config) this.lastValid = result.config;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve(result);
    } else {
      this.queue.push(result);
    }
  };

  next(timeoutMs = 5_000): Promise<MeshParseResult> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no watch result within ${timeoutMs}ms`)), timeoutMs);
      this.waiter = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
  }

  /** Resolves true if nothing arrives within `ms`. */
  async quiet(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.queue.length === 0;
  }
}

let dir: string;
let file: string;
let close: (() => void) | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-watch-'));
  file = path.join(dir, 'mesh.yaml');
  fs.writeFileSync(file, VALID);
});

afterEach(() => {
  close?.();
  close = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** How editors save: write a sibling, then rename it over the original (a new inode). */
function replaceByRename(text: string): void {
  const temp = path.join(dir, '.mesh.yaml.swp');
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

describe('watchMeshFile', () => {
  it('reports valid → invalid → valid edits, and the caller keeps the last valid config meanwhile', async () => {
    const results = new Results();
    close = watchMeshFile(file, results.listener, { debounceMs: 30 });

    fs.writeFileSync(file, INVALID);
    const invalid = await results.next();
    expect(invalid.config).toBeUndefined();
    expect(invalid.problems).toEqual([
      {
        path: 'services[0].port',
        message: 'expected a port number from 1 to 65535, got the string "eighty"',
        location: { file, line: 3, column: 11 },
        severity: 'error',
      },
    ]);
    expect(results.lastValid).toBeUndefined();

    replaceByRename(VALID_AGAIN);
    const valid = await results.next();
    expect(valid.problems).toEqual([]);
    expect(valid.config?.services[0].port).toBe(9090);

    // A second file watcher on the old inode would now be deaf; the directory watch is not.
    fs.writeFileSync(file, INVALID);
    expect((await results.next()).config).toBeUndefined();
    expect(results.lastValid?.services[0].port).toBe(9090);
  });

  it('emits the current file first when asked', async () => {
    const results = new Results();
    close = watchMeshFile(file, results.listener, { debounceMs: 30, emitInitial: true });
    const first = await results.next();
    expect(first.config?.services.map((s) => s.port)).toEqual([8080]);
  });

  it('stays quiet when a save leaves the text unchanged or another file in the directory changes', async () => {
    const results = new Results();
    close = watchMeshFile(file, results.listener, { debounceMs: 30, emitInitial: true });
    await results.next();
    fs.writeFileSync(file, VALID);
    fs.writeFileSync(path.join(dir, 'other.txt'), 'unrelated');
    expect(await results.quiet(300)).toBe(true);
  });

  it('reports a deleted file as an error, then its return', async () => {
    const results = new Results();
    close = watchMeshFile(file, results.listener, { debounceMs: 30, emitInitial: true });
    await results.next();
    fs.rmSync(file);
    expect((await results.next()).problems).toEqual([{ path: '', message: 'file not found', location: { file }, severity: 'error' }]);
    fs.writeFileSync(file, VALID);
    expect((await results.next()).config?.services[0].name).toBe('catalog');
  });

  it('coalesces a burst of writes into one result with the final text', async () => {
    const results = new Results();
    close = watchMeshFile(file, results.listener, { debounceMs: 100 });
    for (const port of [1001, 1002, 1003, 1004]) fs.writeFileSync(file, `services:\n  - { name: catalog, port: ${port} }\n`);
    expect((await results.next()).config?.services[0].port).toBe(1004);
    expect(await results.quiet(300)).toBe(true);
  });

  it('stops reporting once closed', async () => {
    const results = new Results();
    close = watchMeshFile(file, results.listener, { debounceMs: 30 });
    close();
    fs.writeFileSync(file, INVALID);
    expect(await results.quiet(300)).toBe(true);
  });

  it('reports a directory that cannot be watched as a problem', async () => {
    const results = new Results();
    const missing = path.join(dir, 'no-such-dir', 'mesh.yaml');
    close = watchMeshFile(missing, results.listener);
    const result = await results.next();
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0].message).toContain(`cannot watch ${path.dirname(missing)} for changes`);
  });
});
