import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EmbeddedStore } from '../../src/registry/embedded-store';
import { RegistryError } from '../../src/registry/errors';
import type { RegistrySnapshot } from '../../src/registry/registry';
import { idsOf, makeTempDir, openStore } from './helpers';
import { ManualClock } from './manual-clock';

const stores: EmbeddedStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

async function setup(removalGraceMs?: number): Promise<{ store: EmbeddedStore; clock: ManualClock; events: RegistrySnapshot[]; dir: string }> {
  const clock = new ManualClock();
  const dir = makeTempDir();
  const store = await openStore(dir, { clock, ...(removalGraceMs !== undefined && { removalGraceMs }) });
  stores.push(store);
  const events: RegistrySnapshot[] = [];
  store.watch((snapshot) => events.push(snapshot));
  return { store, clock, events, dir };
}

function healthOf(store: EmbeddedStore, service: string, id: string): string | undefined {
  return store
    .snapshot()
    .services.get(service)
    ?.find((instance) => instance.id === id)?.health;
}

describe('TTL instances', () => {
  it('turn unhealthy when the TTL lapses, then are removed after another TTL', async () => {
    const { store, clock, events } = await setup();
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 10_000 });
    await store.register('catalog', 'c-2', { address: '10.0.0.2', port: 8080 });
    events.length = 0;

    clock.advance(9_999);
    await store.whenIdle();
    expect(healthOf(store, 'catalog', 'c-1')).toBe('healthy');
    expect(events).toHaveLength(0);

    clock.advance(1);
    await store.whenIdle();
    expect(healthOf(store, 'catalog', 'c-1')).toBe('unhealthy');
    expect(events).toHaveLength(1);
    expect(events[0]!.services.get('catalog')!.find((i) => i.id === 'c-1')!.health).toBe('unhealthy');

    clock.advance(9_999);
    await store.whenIdle();
    expect(idsOf(store.snapshot())).toEqual({ catalog: ['c-1', 'c-2'] });

    clock.advance(1);
    await store.whenIdle();
    expect(idsOf(store.snapshot())).toEqual({ catalog: ['c-2'] });
    expect(events).toHaveLength(2);
  });

  it('stay healthy while heartbeats arrive, without change events', async () => {
    const { store, clock, events } = await setup();
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 10_000 });
    events.length = 0;
    for (let i = 0; i < 10; i++) {
      clock.advance(8_000);
      const renewed = await store.heartbeat('catalog', 'c-1');
      expect(renewed.renewedAt).toBe(clock.now());
    }
    expect(healthOf(store, 'catalog', 'c-1')).toBe('healthy');
    expect(store.snapshot().services.get('catalog')![0]!.renewedAt).toBe(clock.now());
    expect(events).toHaveLength(0);
  });

  it('come back healthy on a heartbeat during the grace period', async () => {
    const { store, clock, events } = await setup();
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 5_000 });
    clock.advance(6_000);
    await store.whenIdle();
    expect(healthOf(store, 'catalog', 'c-1')).toBe('unhealthy');
    events.length = 0;
    await store.heartbeat('catalog', 'c-1');
    expect(healthOf(store, 'catalog', 'c-1')).toBe('healthy');
    expect(events).toHaveLength(1);
    // The removal deadline of the lapse no longer applies.
    clock.advance(4_999);
    await store.whenIdle();
    expect(healthOf(store, 'catalog', 'c-1')).toBe('healthy');
  });

  it('re-registering a lapsed instance makes it healthy again, as a change', async () => {
    const { store, clock, events } = await setup();
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 5_000 });
    clock.advance(5_000);
    await store.whenIdle();
    events.length = 0;
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 5_000 });
    expect(healthOf(store, 'catalog', 'c-1')).toBe('healthy');
    expect(events).toHaveLength(1);
  });

  it('use a configured grace period for removal', async () => {
    const { store, clock } = await setup(1_000);
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 60_000 });
    clock.advance(60_000);
    await store.whenIdle();
    expect(healthOf(store, 'catalog', 'c-1')).toBe('unhealthy');
    clock.advance(1_000);
    await store.whenIdle();
    expect(idsOf(store.snapshot())).toEqual({});
  });

  it('share one timer however many instances have a TTL', async () => {
    const { store, clock } = await setup();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.register('catalog', `c-${i}`, { address: '10.0.0.1', port: 8000 + i, ttlMs: 1_000 + i * 10 })),
    );
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1_000 + 99 * 10);
    await store.whenIdle();
    const unhealthy = store
      .snapshot()
      .services.get('catalog')!
      .filter((i) => i.health === 'unhealthy');
    expect(unhealthy).toHaveLength(100);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(10_000);
    await store.whenIdle();
    expect(idsOf(store.snapshot())).toEqual({});
    expect(clock.pendingTimers).toBe(0);
  });

  it('heartbeats answer not_found after removal and conflict for instances without a TTL', async () => {
    const { store, clock } = await setup();
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 1_000 });
    await store.register('catalog', 'c-2', { address: '10.0.0.2', port: 8080 });
    clock.advance(2_000);
    await store.whenIdle();
    const gone = await store.heartbeat('catalog', 'c-1').catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(RegistryError);
    expect((gone as RegistryError).code).toBe('not_found');
    const noTtl = await store.heartbeat('catalog', 'c-2').catch((e: unknown) => e);
    expect((noTtl as RegistryError).code).toBe('conflict');
  });

  it('dropping the ttl on re-registration stops expiry', async () => {
    const { store, clock } = await setup();
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 1_000 });
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 });
    clock.advance(10_000);
    await store.whenIdle();
    expect(healthOf(store, 'catalog', 'c-1')).toBe('healthy');
  });

  it('after a restart, TTLs restart from load time and lapsed instances stay unhealthy', async () => {
    const clock = new ManualClock();
    const dir = makeTempDir();
    const first = await openStore(dir, { clock });
    await first.register('catalog', 'fresh', { address: '10.0.0.1', port: 8080, ttlMs: 10_000 });
    await first.register('catalog', 'lapsed', { address: '10.0.0.2', port: 8080, ttlMs: 1_000 });
    clock.advance(1_000);
    await first.whenIdle();
    await first.close();

    clock.advance(60_000); // the control plane was down for a minute
    const second = await openStore(dir, { clock });
    stores.push(second);
    expect(healthOf(second, 'catalog', 'fresh')).toBe('healthy');
    expect(healthOf(second, 'catalog', 'lapsed')).toBe('unhealthy');
    // A lapsed instance gets its TTL plus grace again before removal (1s + 1s here).
    clock.advance(1_999);
    await second.whenIdle();
    expect(idsOf(second.snapshot())).toEqual({ catalog: ['fresh', 'lapsed'] });
    clock.advance(1);
    await second.whenIdle();
    expect(idsOf(second.snapshot())).toEqual({ catalog: ['fresh'] });
    clock.advance(8_000);
    await second.whenIdle();
    expect(healthOf(second, 'catalog', 'fresh')).toBe('unhealthy');
  });

  it('retry a lapse the disk refused after a pause, not in a hot loop', async () => {
    const { store, clock, events, dir } = await setup();
    await store.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 5_000 });
    events.length = 0;
    const probe = await fs.promises.open(path.join(dir, 'probe'), 'w');
    const fileHandlePrototype = Object.getPrototypeOf(probe) as fs.promises.FileHandle;
    await probe.close();
    const spy = vi.spyOn(fileHandlePrototype, 'appendFile').mockRejectedValue(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
    try {
      clock.advance(5_000);
      await store.whenIdle();
      expect(spy).toHaveBeenCalledTimes(1);
      expect(healthOf(store, 'catalog', 'c-1')).toBe('healthy');
      expect(events).toHaveLength(0);
      expect(clock.pendingTimers).toBe(1);
    } finally {
      spy.mockRestore();
    }
    clock.advance(999);
    await store.whenIdle();
    expect(healthOf(store, 'catalog', 'c-1')).toBe('healthy');
    clock.advance(1);
    await store.whenIdle();
    expect(healthOf(store, 'catalog', 'c-1')).toBe('unhealthy');
    expect(events).toHaveLength(1);
  });
});
