import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { parseExampleMesh } from '../../src/config';
import type { Instance, MeshConfig, MeshState } from '../../src/model';
import { MeshPublisher, changedServices } from '../../src/publish/mesh-publisher';
import { meshTranslator, resourceValidator } from '../../src/publish/translator';
import { SnapshotCache } from '../../src/xds/snapshot-cache';
import { TypeUrl } from '../../src/proto/type-urls';

const shop = parseExampleMesh().config!;
const silent = pino({ level: 'silent' });

function instance(service: string, id: string, port: number, labels: Record<string, string> = {}): Instance {
  return { service, id, address: '10.0.0.1', port, labels, weight: 1, health: 'healthy', renewedAt: 0, source: 'registered' };
}

function state(version: number, instances: Record<string, Instance[]>, config: MeshConfig = shop): MeshState {
  return { version, config, instances: new Map(Object.entries(instances)), changedAt: Date.now() };
}

function envoy(service: string) {
  return { kind: 'envoy' as const, service, nodeId: `${service}-1`, authenticated: false };
}

describe('MeshPublisher', () => {
  it('coalesces a burst of 500 registry changes into one publish per affected group', () => {
    // Fake time: the count is read once every debounce timer has fired, however slow the machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const cache = new SnapshotCache();
      const publisher = new MeshPublisher(state(1, {}), cache, meshTranslator(), silent, 50, resourceValidator);
      cache.setDemandHandler(publisher);
      const frontend = publisher.groupFor(envoy('frontend'));
      const payments = publisher.groupFor(envoy('payments'));
      const stopF = cache.watch(frontend, () => undefined);
      const stopP = cache.watch(payments, () => undefined);
      expect(publisher.publishCount).toBe(2);

      const catalog: Instance[] = [];
      for (let i = 0; i < 500; i++) {
        catalog.push(instance('catalog', `c${String(i).padStart(3, '0')}`, 8000 + i, { version: i % 10 === 0 ? 'v2' : 'v1' }));
        publisher.update(state(2 + i, { catalog: [...catalog] }));
      }
      // Nothing is published inside the window; then every pending timer runs, to the last.
      expect(publisher.publishCount).toBe(2);
      vi.runAllTimers();
      expect(vi.getTimerCount()).toBe(0);
      // frontend calls catalog: one re-translation for the whole burst. payments does not: none.
      expect(publisher.publishCount).toBe(3);
      const eds = cache.getSnapshot(frontend)!.resources(TypeUrl.ClusterLoadAssignment);
      expect(eds.size).toBeGreaterThan(0);
      expect(publisher.current.instances.get('catalog')).toHaveLength(500);
      stopF();
      stopP();
    } finally {
      vi.useRealTimers();
    }
  });

  it('patches groups after a registry-only change, to exactly what a full translation publishes', () => {
    const cache = new SnapshotCache();
    const first = state(1, { catalog: [instance('catalog', 'a', 1, { version: 'v1' })], orders: [instance('orders', 'o', 7)] });
    const publisher = new MeshPublisher(first, cache, meshTranslator(), silent, 10, resourceValidator);
    cache.setDemandHandler(publisher);
    const group = publisher.groupFor(envoy('frontend'));
    cache.watch(group, () => undefined);
    const before = cache.getSnapshot(group)!;
    // Same config object, new instance lists: a registry-only change.
    const next: MeshState = {
      ...first,
      version: 2,
      instances: new Map([...first.instances, ['catalog', [instance('catalog', 'a', 1, { version: 'v1' }), instance('catalog', 'b', 2, { version: 'v2' })]]]),
    };
    publisher.update(next);
    publisher.flush();
    expect(publisher.patchCount).toBe(1);
    const patched = cache.getSnapshot(group)!;
    // Only the endpoints changed: the other types keep their maps.
    expect(patched.resources(TypeUrl.Cluster)).toBe(before.resources(TypeUrl.Cluster));
    expect(patched.resources(TypeUrl.Listener)).toBe(before.resources(TypeUrl.Listener));
    expect(patched.resources(TypeUrl.ClusterLoadAssignment)).not.toBe(before.resources(TypeUrl.ClusterLoadAssignment));
    // And the result is what a fresh publisher translating the new state in full publishes.
    const freshCache = new SnapshotCache();
    const fresh = new MeshPublisher(next, freshCache, meshTranslator(), silent, 10, resourceValidator);
    freshCache.setDemandHandler(fresh);
    freshCache.watch(fresh.groupFor(envoy('frontend')), () => undefined);
    expect(patched.version).toBe(freshCache.getSnapshot(group)!.version);
  });

  it("a change right after a long flush waits that flush's length; one after a quiet spell only the window", () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const cache = new SnapshotCache();
      const real = meshTranslator();
      // Each translation takes 500 ms of (fake) time, as a flush over a thousand groups would.
      const slow = {
        ...real,
        translate: (s: MeshState, p: ReturnType<typeof envoy>) => {
          vi.advanceTimersByTime(500);
          return real.translate(s, p);
        },
      };
      const publisher = new MeshPublisher(state(1, {}), cache, slow, silent, 20, resourceValidator);
      cache.setDemandHandler(publisher);
      cache.watch(publisher.groupFor(envoy('frontend')), () => undefined);
      const catalog = (port: number) => ({ catalog: [instance('catalog', 'a', port, { version: 'v1' })] });
      // A config change (new config object) forces a full, slow translation.
      publisher.update(state(2, catalog(1), { ...shop }));
      vi.advanceTimersByTime(20);
      expect(publisher.publishCount).toBe(2);
      // Straight after that 500 ms flush: the next window stretches to about 500 ms.
      publisher.update(state(3, catalog(2), { ...shop }));
      vi.advanceTimersByTime(100);
      expect(publisher.publishCount).toBe(2);
      vi.advanceTimersByTime(400);
      expect(publisher.publishCount).toBe(3);
      // After a quiet second, a change waits only the 20 ms window again.
      vi.advanceTimersByTime(1000);
      publisher.update(state(4, catalog(3), { ...shop }));
      vi.advanceTimersByTime(20);
      expect(publisher.publishCount).toBe(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the last good snapshot when a translation fails validation', () => {
    const cache = new SnapshotCache();
    let rejected = 0;
    const failing = { validate: (): { path: string; message: string; severity: 'error' }[] => [{ path: 'x', message: 'bad', severity: 'error' }] };
    let validate = (_t: string, _m: object) => [] as ReturnType<typeof failing.validate>;
    const publisher = new MeshPublisher(
      state(1, { catalog: [instance('catalog', 'a', 1, { version: 'v1' })] }),
      cache,
      meshTranslator(),
      silent,
      10,
      (t, m) => validate(t, m),
      {
        translationRejected: () => rejected++,
      },
    );
    cache.setDemandHandler(publisher);
    const group = publisher.groupFor(envoy('frontend'));
    cache.watch(group, () => undefined);
    const good = cache.getSnapshot(group)!;
    validate = failing.validate;
    publisher.update(state(2, { catalog: [instance('catalog', 'a', 2, { version: 'v1' })] }));
    publisher.flush();
    expect(rejected).toBe(1);
    expect(cache.getSnapshot(group)).toBe(good);
  });

  it('changedServices names what changed, and allow or mesh changes mean everything', () => {
    const base = state(1, { catalog: [instance('catalog', 'a', 1)] });
    expect(changedServices(base, state(2, { catalog: [instance('catalog', 'a', 1)] }))).toEqual(new Set());
    expect(changedServices(base, state(2, { catalog: [instance('catalog', 'a', 2)] }))).toEqual(new Set(['catalog']));
    const moreAllowed: MeshConfig = { ...shop, services: shop.services.map((s) => (s.name === 'payments' ? { ...s, allow: ['orders', 'frontend'] } : s)) };
    expect(changedServices(base, state(2, { catalog: [instance('catalog', 'a', 1)] }, moreAllowed))).toBe('all');
    // Certificate material: a renewed certificate changes its service; a new bundle changes everything.
    const sec = (bundle: string, orders: string) => ({ trustBundlePem: bundle, certificates: new Map([['orders', { certPem: orders, keyPem: 'k' }]]) });
    const withSec = (security: ReturnType<typeof sec>): MeshState => ({ ...base, version: 2, security });
    expect(changedServices(withSec(sec('b1', 'o1')), withSec(sec('b1', 'o2')))).toEqual(new Set(['orders']));
    expect(changedServices(withSec(sec('b1', 'o1')), withSec(sec('b2', 'o1')))).toBe('all');
    const permissive: MeshConfig = { ...shop, mesh: { ...shop.mesh, mtls: 'permissive' } };
    expect(changedServices(base, state(2, { catalog: [instance('catalog', 'a', 1)] }, permissive))).toBe('all');
  });
});
