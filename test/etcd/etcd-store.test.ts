// The etcd-backed registry against a real etcd (Debian's etcd-server) on loopback: two stores
// on two clients play two replicas.
import { randomBytes } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectEtcd } from '../../src/etcd/client';
import { etcdKeys } from '../../src/etcd/keys';
import { EtcdLeadership } from '../../src/etcd/leadership';
import { EtcdStore } from '../../src/registry/etcd-store';
import { RegistryError } from '../../src/registry/errors';
import type { RegistrySnapshot } from '../../src/registry/registry';
import type { InstanceRegistration } from '../../src/model/instance';
import { eventually } from '../support/xds-harness';
import { startEtcd, type EtcdCluster } from '../support/etcd-cluster';
import { idsOf, makeTempDir, openStore, silentLogger } from '../registry/helpers';

let etcd: EtcdCluster;
const clients: Etcd3[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  etcd = await startEtcd(1);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  for (const client of clients) client.close();
  await etcd?.close();
});

function client(): Etcd3 {
  const c = connectEtcd({ endpoints: etcd.endpoints });
  clients.push(c);
  return c;
}

/** Two replicas over one etcd, under a prefix of their own so tests do not see each other. */
async function replicas(options: { removalGraceMs?: number } = {}): Promise<{ a: EtcdStore; b: EtcdStore; prefix: string }> {
  const prefix = `/t-${randomBytes(4).toString('hex')}/`;
  const a = await EtcdStore.open({ client: client(), logger: silentLogger, prefix, ...options });
  const b = await EtcdStore.open({ client: client(), logger: silentLogger, prefix, ...options });
  cleanups.push(async () => {
    await a.close();
    await b.close();
  });
  return { a, b, prefix };
}

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

describe('EtcdStore', () => {
  it('a write through one replica is in its own snapshot when it resolves, and reaches the other by watch', async () => {
    const { a, b } = await replicas();
    const seenByB: RegistrySnapshot[] = [];
    b.watch((snapshot) => seenByB.push(snapshot));
    await a.register('catalog', 'c-2', { address: '10.0.0.2', port: 8080 });
    await a.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, labels: { version: 'v1' }, weight: 5, zone: 'zone-a' });
    expect(idsOf(a.snapshot())).toEqual({ catalog: ['c-1', 'c-2'] });
    await eventually(() => b.snapshot().revision === a.snapshot().revision, 10_000, 'b caught up');
    expect(
      b
        .snapshot()
        .services.get('catalog')!
        .map(({ renewedAt: _r, ...rest }) => rest),
    ).toEqual(
      a
        .snapshot()
        .services.get('catalog')!
        .map(({ renewedAt: _r, ...rest }) => rest),
    );
    expect(b.snapshot().services.get('catalog')![0]).toMatchObject({
      id: 'c-1',
      labels: { version: 'v1' },
      weight: 5,
      zone: 'zone-a',
      health: 'healthy',
      source: 'registered',
    });
    expect(seenByB.length).toBeGreaterThan(0);

    await b.deregister('catalog', 'c-2');
    expect(idsOf(b.snapshot())).toEqual({ catalog: ['c-1'] });
    await eventually(() => a.snapshot().services.get('catalog')!.length === 1, 10_000, 'a saw the deregistration');
  });

  it('loads what is already in etcd when it opens', async () => {
    const { a, prefix } = await replicas();
    await a.register('orders', 'o-1', { address: '10.0.0.9', port: 9000, ttlMs: 60_000 });
    const late = await EtcdStore.open({ client: client(), logger: silentLogger, prefix });
    cleanups.push(() => late.close());
    expect(idsOf(late.snapshot())).toEqual({ orders: ['o-1'] });
    expect(late.snapshot().revision).toBe(a.snapshot().revision);
    expect(late.snapshot().services.get('orders')![0]!.ttlMs).toBe(60_000);
  });

  it('re-registering the same body and heartbeats cause no change event and no new revision, on any replica', async () => {
    const { a, b } = await replicas();
    await a.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 30_000 });
    await a.register('catalog', 'c-2', { address: '10.0.0.2', port: 8080 });
    await eventually(() => b.snapshot().revision === a.snapshot().revision, 10_000, 'b caught up');
    const revision = a.snapshot().revision;
    const events: string[] = [];
    a.watch(() => events.push('a'));
    b.watch(() => events.push('b'));
    await a.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 30_000 });
    await b.register('catalog', 'c-2', { address: '10.0.0.2', port: 8080 });
    await a.heartbeat('catalog', 'c-1');
    await b.heartbeat('catalog', 'c-1');
    // A visible change afterwards proves the watch was live the whole time.
    await a.register('catalog', 'c-3', { address: '10.0.0.3', port: 8080 });
    await eventually(() => b.snapshot().services.get('catalog')!.length === 3, 10_000, 'b saw c-3');
    expect(events.filter((e) => e === 'a')).toHaveLength(1);
    expect(events.filter((e) => e === 'b')).toHaveLength(1);
    expect(a.snapshot().revision).toBeGreaterThan(revision);
    expect(b.snapshot().revision).toBe(a.snapshot().revision);
  });

  it('an update of labels is a change; the revision is the same number on both replicas', async () => {
    const { a, b } = await replicas();
    await a.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, labels: { version: 'v1' } });
    const before = a.snapshot().revision;
    await b.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, labels: { version: 'v2' } });
    expect(b.snapshot().revision).toBeGreaterThan(before);
    await eventually(() => a.snapshot().revision === b.snapshot().revision, 10_000, 'a caught up');
    expect(a.snapshot().services.get('catalog')![0]!.labels).toEqual({ version: 'v2' });
  });

  it('refuses bad writes exactly as the embedded store does, and stores nothing', async () => {
    const { a } = await replicas();
    const embedded = await openStore(makeTempDir());
    cleanups.push(() => embedded.close());
    const bad: Array<[string, string, unknown]> = [
      ['Catalog', 'c-1', { address: '10.0.0.1', port: 8080 }],
      ['catalog', 'c_1', { address: '10.0.0.1', port: 8080 }],
      ['catalog', 'c-1', { address: '10.0.0.1', port: 0 }],
      ['catalog', 'c-1', { address: 'not an address!', port: 8080 }],
      ['catalog', 'c-1', { address: '10.0.0.1', port: 8080, weight: 500 }],
      ['catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 10 }],
      ['catalog', 'c-1', { address: '10.0.0.1', port: 8080, labels: { 'bad label': 'x' } }],
      ['catalog', 'c-1', { address: '10.0.0.1', port: 8080, colour: 'red' }],
    ];
    for (const [service, id, body] of bad) {
      const fromEtcd = await rejection(a.register(service, id, body as InstanceRegistration));
      const fromEmbedded = await rejection(embedded.register(service, id, body as InstanceRegistration));
      expect({ code: fromEtcd.code, field: fromEtcd.field, message: fromEtcd.message }).toEqual({
        code: fromEmbedded.code,
        field: fromEmbedded.field,
        message: fromEmbedded.message,
      });
    }
    expect(idsOf(a.snapshot())).toEqual({});
    expect((await rejection(a.heartbeat('catalog', 'nobody'))).code).toBe('not_found');
    expect((await rejection(a.deregister('catalog', 'nobody'))).code).toBe('not_found');
    await a.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080 });
    expect((await rejection(a.heartbeat('catalog', 'c-1'))).code).toBe('conflict');
  });

  it('TTL: heartbeats keep an instance healthy; without them the leader marks it unhealthy, then removes it', async () => {
    const { a, b } = await replicas({ removalGraceMs: 1_500 });
    // Only one replica reaps (the leader); the other must still see the outcome.
    a.setReaper(true);
    // Every health b's watchers ever saw, per instance: the sequence is what is under test.
    const seen = new Map<string, Set<string>>();
    b.watch((snapshot) => {
      for (const instance of snapshot.services.get('catalog') ?? []) {
        seen.set(instance.id, (seen.get(instance.id) ?? new Set()).add(instance.health));
      }
    });
    await b.register('catalog', 'beating', { address: '10.0.0.1', port: 8080, ttlMs: 1_000 });
    await b.register('catalog', 'silent', { address: '10.0.0.2', port: 8080, ttlMs: 1_000 });
    const start = Date.now();
    while (Date.now() - start < 3_000) {
      await b.heartbeat('catalog', 'beating');
      await new Promise((r) => setTimeout(r, 250));
    }
    await eventually(
      () =>
        b
          .snapshot()
          .services.get('catalog')!
          .every((i) => i.id !== 'silent'),
      10_000,
      'silent removed',
    );
    expect([...seen.get('silent')!]).toEqual(['healthy', 'unhealthy']);
    expect([...seen.get('beating')!]).toEqual(['healthy']);
    expect(
      b
        .snapshot()
        .services.get('catalog')!
        .find((i) => i.id === 'beating')!.health,
    ).toBe('healthy');
    expect(idsOf(a.snapshot())).toEqual({ catalog: ['beating'] });
  });

  it('a heartbeat brings a lapsed instance back, as a visible change', async () => {
    const { a, b } = await replicas({ removalGraceMs: 60_000 });
    a.setReaper(true);
    await a.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 1_000 });
    await eventually(() => b.snapshot().services.get('catalog')?.[0]?.health === 'unhealthy', 10_000, 'lapsed');
    const revision = b.snapshot().revision;
    const renewed = await b.heartbeat('catalog', 'c-1');
    expect(renewed.health).toBe('healthy');
    expect(b.snapshot().services.get('catalog')![0]!.health).toBe('healthy');
    expect(b.snapshot().revision).toBeGreaterThan(revision);
  });

  it('without a reaper, lapses wait; the replica that takes over reconciles them', async () => {
    const { a, b } = await replicas({ removalGraceMs: 60_000 });
    await a.register('catalog', 'c-1', { address: '10.0.0.1', port: 8080, ttlMs: 1_000 });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(a.snapshot().services.get('catalog')![0]!.health).toBe('healthy');
    b.setReaper(true);
    await eventually(() => a.snapshot().services.get('catalog')![0]!.health === 'unhealthy', 10_000, 'reconciled on takeover');
  });

  it('elects exactly one leader; when it steps down another takes over', async () => {
    const key = etcdKeys(`/t-${randomBytes(4).toString('hex')}/`).leader;
    // Each candidate has its own client; counting its election transactions shows how many
    // attempts it has begun. A candidate begins another only after the previous one lost.
    const clientOne = client();
    const clientTwo = client();
    const attempts = { one: vi.spyOn(clientOne, 'if'), two: vi.spyOn(clientTwo, 'if') };
    const one = new EtcdLeadership({ client: clientOne, key, id: 'one', logger: silentLogger, ttlSeconds: 2, retryMs: 200 });
    const two = new EtcdLeadership({ client: clientTwo, key, id: 'two', logger: silentLogger, ttlSeconds: 2, retryMs: 200 });
    cleanups.push(async () => {
      await one.stop();
      await two.stop();
    });
    one.start();
    two.start();
    await eventually(() => one.isLeader || two.isLeader, 10_000, 'a leader');
    const firstLeader = one.isLeader ? 'one' : 'two';
    const other = firstLeader === 'one' ? 'two' : 'one';
    // Wait until the other candidate has begun two more attempts since a leader was seen: the
    // first of them began while the leader held the key and lost, or there would be no second.
    // So it has competed against the sitting leader, rather than merely not having tried yet.
    const seenBefore = attempts[other].mock.calls.length;
    // (A second leader ends the wait too, so that the assertion below reports it.)
    await eventually(
      () => attempts[other].mock.calls.length >= seenBefore + 2 || (one.isLeader && two.isLeader),
      10_000,
      `${other} retried against the leader`,
    );
    expect([one.isLeader, two.isLeader].filter(Boolean)).toHaveLength(1);
    expect((firstLeader === 'one' ? one : two).isLeader).toBe(true);
    expect(await clientOne.get(key).string()).toBe(firstLeader);
    const [leader, follower] = one.isLeader ? [one, two] : [two, one];
    await leader.stop();
    await eventually(() => follower.isLeader, 10_000, 'follower took over');
  });
});
