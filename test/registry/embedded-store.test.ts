import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type EmbeddedStore, REGISTRY_FILE_NAME } from '../../src/registry/embedded-store';
import { loadRegistryState } from '../../src/registry/registry-persistence';
import { RegistryError } from '../../src/registry/errors';
import { RegistryFileError } from '../../src/registry/registry-file';
import type { RegistrySnapshot } from '../../src/registry/registry';
import type { InstanceRegistration } from '../../src/model/instance';
import { idsOf, makeTempDir, openStore, persistedFiles } from './helpers';

const stores: EmbeddedStore[] = [];
async function open(dataDir: string): Promise<EmbeddedStore> {
  const store = await openStore(dataDir);
  stores.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

describe('EmbeddedStore', () => {
  it('registers instances and lists them per service, sorted by id', async () => {
    const store = await open(makeTempDir());
    await store.register('catalog', 'c-2', { address: '10.0.0.2', port: 8080 });
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, labels: { version: 'v1' }, weight: 5, zone: 'zone-a' });
    await store.register('orders', 'o-1', { address: 'orders.internal', port: 9000 });

    const snapshot = store.snapshot();
    expect(idsOf(snapshot)).toEqual({ catalog: ['c-1', 'c-2'], orders: ['o-1'] });
    expect(snapshot.services.get('catalog')![0]).toMatchObject({
      service: 'catalog',
      id: 'c-1',
      address: '10.0.0.1',
      port: 8080,
      labels: { version: 'v1' },
      weight: 5,
      zone: 'zone-a',
      health: 'healthy',
      source: 'registered',
    });
    expect(snapshot.services.get('catalog')![1]!.weight).toBe(1);
    expect(snapshot.revision).toBe(3);
  });

  it('resolves only after the write is on disk, and watchers see committed state', async () => {
    const dir = makeTempDir();
    const store = await open(dir);
    const seen: RegistrySnapshot[] = [];
    store.watch((snapshot) => seen.push(snapshot));
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 });
    await store.register('catalog', 'c-2', { address: '10.0.0.2', port: 8080 });
    await store.deregister('catalog', 'c-1');
    const persisted = await loadRegistryState(dir);
    expect(persisted.content.instances.map((i) => i.id)).toEqual(['c-2']);
    expect(persisted.content.revision).toBe(3);
    expect(seen.map(idsOf)).toEqual([{ catalog: ['c-1'] }, { catalog: ['c-1', 'c-2'] }, { catalog: ['c-2'] }]);
  });

  it('treats the same registration again as no change: no event, same revision', async () => {
    const store = await open(makeTempDir());
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, labels: { b: '2', a: '1' } });
    const revision = store.snapshot().revision;
    let events = 0;
    store.watch(() => events++);
    const again = await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, labels: { a: '1', b: '2' } });
    expect(again.address).toBe('10.0.0.1');
    expect(events).toBe(0);
    expect(store.snapshot().revision).toBe(revision);

    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, labels: { a: '1', b: '3' } });
    expect(events).toBe(1);
    expect(store.snapshot().revision).toBe(revision + 1);
    expect(store.snapshot().services.get('catalog')![0]!.labels).toEqual({ a: '1', b: '3' });
  });

  it('keeps arrays of untouched services identical between snapshots', async () => {
    const store = await open(makeTempDir());
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 });
    await store.register('orders', 'o-1', { address: '10.0.0.2', port: 8080 });
    const before = store.snapshot();
    await store.register('orders', 'o-2', { address: '10.0.0.3', port: 8080 });
    const after = store.snapshot();
    expect(after.services.get('catalog')).toBe(before.services.get('catalog'));
    expect(after.services.get('orders')).not.toBe(before.services.get('orders'));
  });

  it('deregisters, drops empty services, and reports unknown instances as not_found', async () => {
    const store = await open(makeTempDir());
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 });
    await store.deregister('catalog', 'c-1');
    expect(idsOf(store.snapshot())).toEqual({});
    const error = await rejection(store.deregister('catalog', 'c-1'));
    expect(error.code).toBe('not_found');
    expect(error.field).toBe('id');
  });

  it.each<[string, string, string, Record<string, unknown>]>([
    ['service', 'Catalog', 'c-1', { address: '10.0.0.1', port: 80 }],
    ['id', 'catalog', 'c_1', { address: '10.0.0.1', port: 80 }],
    ['id', 'catalog', 'static-x', { address: '10.0.0.1', port: 80 }],
    ['port', 'catalog', 'c-1', { address: '10.0.0.1', port: 0 }],
    ['address', 'catalog', 'c-1', { address: '999.1.1.1', port: 80 }],
    ['weight', 'catalog', 'c-1', { address: '10.0.0.1', port: 80, weight: 129 }],
    ['ttlMs', 'catalog', 'c-1', { address: '10.0.0.1', port: 80, ttlMs: 500 }],
    ['labels.bad key', 'catalog', 'c-1', { address: '10.0.0.1', port: 80, labels: { 'bad key': 'x' } }],
  ])('rejects a bad %s and changes nothing', async (field, service, id, registration) => {
    const dir = makeTempDir();
    const store = await open(dir);
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 });
    const before = store.snapshot();
    const filesBefore = persistedFiles(dir);
    const error = await rejection(store.register(service, id, registration as unknown as InstanceRegistration));
    expect(error.code).toBe('invalid_argument');
    expect(error.field).toBe(field);
    expect(error.message.length).toBeGreaterThan(10);
    await store.whenIdle();
    expect(store.snapshot()).toBe(before);
    expect(persistedFiles(dir)).toEqual(filesBefore);
  });

  it('loads the file on start, so a restarted store serves the same instances', async () => {
    const dir = makeTempDir();
    const first = await openStore(dir);
    await first.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, labels: { version: 'v1' }, zone: 'z1', weight: 3, ttlMs: 30_000 });
    await first.register('catalog', 'c-2', { address: 'fd00::2', port: 8080 });
    const revision = first.snapshot().revision;
    await first.close();

    const second = await open(dir);
    expect(idsOf(second.snapshot())).toEqual({ catalog: ['c-1', 'c-2'] });
    expect(second.snapshot().revision).toBe(revision);
    expect(second.snapshot().services.get('catalog')![0]).toMatchObject({
      labels: { version: 'v1' },
      zone: 'z1',
      weight: 3,
      ttlMs: 30_000,
      health: 'healthy',
    });
  });

  it('refuses to start on a corrupt file, naming the file and the place, and leaves it alone', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, REGISTRY_FILE_NAME);
    const corrupt = '{"format":"switchyard.registry","version":1,"revision":3,"instances":[\n{"service":"a","id":"b",}\n]}\n';
    fs.writeFileSync(file, corrupt);
    const error = await openStore(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RegistryFileError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/:2:\d+: not valid JSON/);
    expect(fs.readFileSync(file, 'utf8')).toBe(corrupt);
  });

  it('refuses a well-formed file holding an invalid instance, naming the field', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, REGISTRY_FILE_NAME);
    fs.writeFileSync(
      file,
      JSON.stringify({
        format: 'switchyard.registry',
        version: 1,
        revision: 1,
        instances: [{ service: 'a', id: 'b', address: '10.0.0.1', port: 70000, health: 'healthy' }],
      }),
    );
    await expect(openStore(dir)).rejects.toThrow(`${file}:instances[0].port: port must be an integer from 1 to 65535`);
  });

  it('ignores a temporary file left by a write that never finished', async () => {
    const dir = makeTempDir();
    const store = await openStore(dir);
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 });
    await store.close();
    fs.writeFileSync(path.join(dir, `${REGISTRY_FILE_NAME}.tmp`), '{"format":"switchyard.regi');
    const reopened = await open(dir);
    expect(idsOf(reopened.snapshot())).toEqual({ catalog: ['c-1'] });
    expect(fs.existsSync(path.join(dir, `${REGISTRY_FILE_NAME}.tmp`))).toBe(false);
  });

  it('rejects writes with unavailable when the snapshot cannot be written, and rolls them back', async () => {
    const dir = makeTempDir();
    // A fresh data dir has no snapshot yet, so the first write writes one.
    const store = await open(dir);
    const before = store.snapshot();
    let events = 0;
    store.watch(() => events++);

    // Replace the data dir with a plain file: the snapshot's temporary file cannot be created.
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'not a directory');
    const error = await rejection(store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 }));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('could not save');
    expect(store.snapshot()).toBe(before);
    expect(events).toBe(0);
    // A write that joined the failed one is refused too, and a heartbeat finds nothing to renew.
    await expect(store.heartbeat('catalog', 'c-1')).rejects.toMatchObject({ code: 'not_found' });

    // Once the disk is back, writes succeed and the state is consistent.
    fs.rmSync(dir);
    fs.mkdirSync(dir);
    await store.register('catalog', 'c-3', { address: '10.0.0.3', port: 8080 });
    expect(idsOf(store.snapshot())).toEqual({ catalog: ['c-3'] });
    expect(events).toBe(1);
    expect((await loadRegistryState(dir)).content.instances.map((i) => i.id)).toEqual(['c-3']);
  });

  it('rejects a write whose log append fails half-way, and recovers with a clean snapshot', async () => {
    const dir = makeTempDir();
    const store = await open(dir);
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 });
    const before = store.snapshot();

    // The disk fills up in the middle of the append: half the line lands, then ENOSPC.
    const probe = await fs.promises.open(path.join(dir, 'probe'), 'w');
    const fileHandlePrototype = Object.getPrototypeOf(probe) as fs.promises.FileHandle;
    await probe.close();
    const realAppend = fileHandlePrototype.appendFile;
    const spy = vi.spyOn(fileHandlePrototype, 'appendFile').mockImplementationOnce(async function (this: fs.promises.FileHandle, data) {
      const bytes = data as Buffer;
      await realAppend.call(this, bytes.subarray(0, bytes.length >> 1));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    try {
      const error = await rejection(store.register('catalog', 'c-2', { address: '10.0.0.2', port: 8080 }));
      expect(error.code).toBe('unavailable');
      expect(error.message).toContain('ENOSPC');
      expect(store.snapshot()).toBe(before);
      expect(fs.readFileSync(path.join(dir, 'registry.log'), 'utf8')).not.toMatch(/\n$/);

      // The next write must not append after the partial line: it rewrites the snapshot instead.
      await store.register('catalog', 'c-3', { address: '10.0.0.3', port: 8080 });
    } finally {
      spy.mockRestore();
    }
    expect(idsOf(store.snapshot())).toEqual({ catalog: ['c-1', 'c-3'] });
    const persisted = await loadRegistryState(dir);
    expect(persisted.content.instances.map((i) => i.id)).toEqual(['c-1', 'c-3']);
    expect(persisted.found.tornTail).toBe(false);
  });

  it('batches a burst of 500 concurrent registrations into few file writes', async () => {
    const dir = makeTempDir();
    const store = await open(dir);
    const notifications: number[] = [];
    store.watch((snapshot) => notifications.push(snapshot.revision));
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => store.register('load', `i-${i}`, { address: `10.1.${i >> 8}.${i & 255}`, port: 8080 })),
    );
    expect(results).toHaveLength(500);
    expect(store.snapshot().services.get('load')).toHaveLength(500);
    // Watchers hear once per file write: 500 registrations one write each would be 500.
    expect(notifications.length).toBeLessThan(10);
    expect(notifications.at(-1)).toBe(500);
    const reopened = await open(dir);
    expect(reopened.snapshot().services.get('load')).toHaveLength(500);
  });

  it('does not let a throwing watcher break the store or other watchers', async () => {
    const store = await open(makeTempDir());
    let calls = 0;
    store.watch(() => {
      throw new Error('boom');
    });
    const unsubscribe = store.watch(() => calls++);
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 });
    unsubscribe();
    await store.register('catalog', 'c-2', { address: '10.0.0.2', port: 8080 });
    expect(calls).toBe(1);
  });

  it('finishes pending writes on close and refuses later ones', async () => {
    const dir = makeTempDir();
    const store = await openStore(dir);
    const pending = store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 });
    await store.close();
    await expect(pending).resolves.toMatchObject({ id: 'c-1' });
    const error = await rejection(store.register('catalog', 'c-2', { address: '10.0.0.2', port: 8080 }));
    expect(error.code).toBe('unavailable');
    const reopened = await open(dir);
    expect(idsOf(reopened.snapshot())).toEqual({ catalog: ['c-1'] });
  });
});
