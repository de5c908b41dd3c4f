import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGISTRY_FILE_NAME, REGISTRY_LOG_NAME } from '../../src/registry/embedded-store';
import { RegistryFileError } from '../../src/registry/registry-file';
import { loadRegistryState } from '../../src/registry/registry-persistence';
import { idsOf, makeTempDir, openStore } from './helpers';

const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`label-${i}`, `value-${i}-${'x'.repeat(40)}`]));

function sizeOf(dir: string, name: string): number {
  return fs.statSync(path.join(dir, name)).size;
}

function snapshotLine(revision: number, instances: object[]): string {
  return `${JSON.stringify({ format: 'switchyard.registry', version: 1, revision, instances })}\n`;
}

const instanceA = { service: 'catalog', id: 'a', address: '10.0.0.1', port: 80, labels: {}, weight: 1, health: 'healthy' };
const instanceB = { ...instanceA, id: 'b', address: '10.0.0.2' };

describe('snapshot file and append log', () => {
  it('appends small changes to the log instead of rewriting the snapshot', async () => {
    const dir = makeTempDir();
    const store = await openStore(dir);
    await store.register('catalog', 'c-0', { address: '10.0.0.1', port: 80 });
    const snapshot = fs.readFileSync(path.join(dir, REGISTRY_FILE_NAME), 'utf8');
    for (let i = 1; i <= 20; i++) await store.register('catalog', `c-${i}`, { address: '10.0.0.1', port: 80 + i });
    await store.deregister('catalog', 'c-0');
    expect(fs.readFileSync(path.join(dir, REGISTRY_FILE_NAME), 'utf8')).toBe(snapshot);
    expect(fs.readFileSync(path.join(dir, REGISTRY_LOG_NAME), 'utf8').trimEnd().split('\n')).toHaveLength(21);
    await store.close();
    const reopened = await openStore(dir);
    expect(
      reopened
        .snapshot()
        .services.get('catalog')!
        .map((i) => i.id),
    ).toEqual(Array.from({ length: 20 }, (_, i) => `c-${i + 1}`).sort());
    // Opening folds the log into a fresh snapshot.
    expect(sizeOf(dir, REGISTRY_LOG_NAME)).toBe(0);
    await reopened.close();
  });

  it('compacts the log into a new snapshot once it outgrows the snapshot', async () => {
    const dir = makeTempDir();
    const store = await openStore(dir);
    let compacted = false;
    for (let i = 0; i < 200 && !compacted; i++) {
      await store.register('big', `b-${i}`, { address: '10.0.0.1', port: 1 + i, labels });
      compacted = i > 10 && sizeOf(dir, REGISTRY_LOG_NAME) === 0;
    }
    expect(compacted).toBe(true);
    const snapshot = fs.readFileSync(path.join(dir, REGISTRY_FILE_NAME), 'utf8');
    expect(snapshot.length).toBeGreaterThan(256 * 1024);
    expect((await loadRegistryState(dir)).content.instances.length).toBe(store.snapshot().services.get('big')!.length);
    await store.close();
  });

  it('drops a torn final log line (never acknowledged) and keeps everything before it', async () => {
    const dir = makeTempDir();
    const store = await openStore(dir);
    await store.register('catalog', 'a', { address: '10.0.0.1', port: 80 });
    await store.register('catalog', 'b', { address: '10.0.0.2', port: 80 });
    await store.close();
    fs.appendFileSync(path.join(dir, REGISTRY_LOG_NAME), '{"revision":3,"changes":[{"put":{"service":"catalog","id":"c","addr');

    const reopened = await openStore(dir);
    expect(idsOf(reopened.snapshot())).toEqual({ catalog: ['a', 'b'] });
    await reopened.register('catalog', 'd', { address: '10.0.0.4', port: 80 });
    await reopened.close();
    const state = await loadRegistryState(dir);
    expect(state.found.tornTail).toBe(false);
    expect(state.content.instances.map((i) => i.id).sort()).toEqual(['a', 'b', 'd']);
  });

  it('refuses a damaged complete log line, naming the file and line', async () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, REGISTRY_FILE_NAME), snapshotLine(1, [instanceA]));
    const log = `{"revision":2,"changes":[{"delete":{"service":"catalog","id":"a"}}]}\n{"revision":3,"changes":[{"put":{"service":"catalog"}}]}\n`;
    fs.writeFileSync(path.join(dir, REGISTRY_LOG_NAME), log);
    const error = await openStore(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryFileError);
    expect((error as Error).message).toContain(`${path.join(dir, REGISTRY_LOG_NAME)}:2:changes[0].put.id`);
    expect(fs.readFileSync(path.join(dir, REGISTRY_LOG_NAME), 'utf8')).toBe(log);
  });

  it('skips log entries the snapshot already holds (a crash between compaction steps)', async () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, REGISTRY_FILE_NAME), snapshotLine(5, [instanceA]));
    fs.writeFileSync(
      path.join(dir, REGISTRY_LOG_NAME),
      [`{"revision":4,"changes":[{"delete":{"service":"catalog","id":"a"}}]}`, `{"revision":6,"changes":[{"put":${JSON.stringify(instanceB)}}]}`, ''].join(
        '\n',
      ),
    );
    const state = await loadRegistryState(dir);
    expect(state.content.revision).toBe(6);
    expect(state.content.instances.map((i) => i.id)).toEqual(['a', 'b']);
  });
});
