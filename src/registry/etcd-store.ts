// The registry over etcd, for several control-plane replicas sharing one state.
//
// Every replica keeps the whole registry in memory, fed by one range read and then a watch
// from the revision after it, so `snapshot()` never waits on etcd and keeps serving the last
// known state while etcd is unreachable. A write goes to etcd first (a transaction, committed
// by a quorum) and resolves only once this replica's own watch has delivered it, so a caller
// that wrote through replica A reads its write back from A at once, and the other replicas
// see it a watch event later. The snapshot revision is etcd's revision of the last change a
// proxy could see, so it is the same number on every replica for the same state.
//
// TTL instances and etcd leases (the embedded store's rules, ttl.ts, mapped onto etcd):
// - A TTL instance has its record (no lease, so it survives its lease) and an `alive` key on a
//   lease of its TTL, rounded up to whole seconds. The lease id is in the record, so a
//   heartbeat can arrive at any replica: it is a lease keep-alive, which writes no key, so a
//   heartbeat causes no watch event, no new revision and no push, on any replica.
// - When the lease lapses, etcd deletes the alive key. The leader replica (only one; see
//   etcd-leadership.ts) then marks the record unhealthy with `lapsedAt`, and removes the
//   record one grace period (default: its TTL) after that. Both are transactions guarded by
//   the record's mod revision, so a registration or heartbeat that lands meanwhile wins.
// - A heartbeat or re-registration of a lapsed instance grants a new lease and writes the
//   record healthy again: a visible change, as in the embedded store.
// - With no leader (leader lost, election pending), lapses wait: nothing is marked or removed
//   until a new leader takes over, which first reconciles every TTL instance it finds.
// - While etcd is down no lease can expire, and when etcd's new raft leader takes over it
//   extends every lease by its TTL: instances get a full TTL to heartbeat after an outage
//   instead of all lapsing at once (the embedded store restarts TTLs on load the same way).

import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import type { Logger } from 'pino';
import type { Instance, InstanceRegistration } from '../model/instance';
import { systemClock, type Clock } from './clock';
import { DeadlineQueue } from './deadline-queue';
import { RegistryError } from './errors';
import { etcdUnavailable } from './errors';
import { etcdKeys, parseRegistryKey, type EtcdKeys } from '../etcd/keys';
import { EtcdLeases } from './etcd-leases';
import { decodeRecord, encodeRecord, instanceFromRecord, recordFor, type InstanceRecord } from './etcd-record';
import { InstanceTable } from './instance-table';
import type { Registry, RegistryListener, RegistrySnapshot } from './registry';
import { RegistryWatchers } from './watchers';
import { sameRegistration } from './same-registration';
import { removalGraceMs } from './ttl';
import { checkInstanceId, checkServiceName, parseInstanceRegistration } from './validation';

export interface EtcdStoreOptions {
  readonly client: Etcd3;
  readonly logger: Logger;
  /** Key prefix, default `/switchyard/`. */
  readonly prefix?: string;
  readonly clock?: Clock;
  /** How long a lapsed TTL instance stays listed as unhealthy before removal; default: its own TTL. */
  readonly removalGraceMs?: number;
  /** How long a write waits for this replica's watch to deliver it before resolving anyway. */
  readonly watchWaitMs?: number;
}

interface Stored {
  readonly record: InstanceRecord;
  /** etcd mod revision of the record: the guard for every conditional write. */
  readonly modRevision: string;
}

interface RevisionWaiter {
  readonly revision: number;
  readonly resolve: () => void;
}

/** A read-modify-write that lost a race retries this many times before giving up. */
const MAX_WRITE_ATTEMPTS = 5;
const REAPER_RETRY_MS = 1_000;

function keyOf(service: string, id: string): string {
  return `${service}/${id}`;
}

export class EtcdStore implements Registry {
  /** Reads the registry from etcd and starts watching it. Rejects if etcd cannot be read. */
  static async open(options: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(options);
    await store.resync();
    return store;
  }

  private readonly client: Etcd3;
  private readonly keys: EtcdKeys;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly watchers: RegistryWatchers;
  private readonly leases: EtcdLeases;
  private readonly records = new Map<string, Stored>();
  /** `service/id` of TTL instances whose alive key exists. */
  private readonly alive = new Set<string>();
  private table = new InstanceTable({ revision: 0, services: new Map() });
  private committed: RegistrySnapshot = Object.freeze({ revision: 0, services: new Map() });
  /** The etcd revision this replica's memory reflects. */
  private appliedRevision = 0;
  private revisionWaiters: RevisionWaiter[] = [];
  private watcher: Watcher | undefined;
  private resyncing: Promise<void> | undefined;
  private closed = false;

  // Leader-only TTL housekeeping.
  private reaping = false;
  private readonly removals = new DeadlineQueue();
  private cancelRemovalTimer: (() => void) | undefined;
  private removalTimerAt: number | undefined;
  private readonly lapsing = new Set<string>();

  private constructor(private readonly options: EtcdStoreOptions) {
    this.client = options.client;
    this.keys = etcdKeys(options.prefix);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger.child({ component: 'registry', store: 'etcd' });
    this.watchers = new RegistryWatchers(this.logger);
    this.leases = new EtcdLeases(this.client);
  }

  snapshot(): RegistrySnapshot {
    return this.committed;
  }

  watch(listener: RegistryListener): () => void {
    return this.watchers.add(listener);
  }

  /** The etcd revision this replica has caught up to (tests and readiness use it). */
  get revision(): number {
    return this.appliedRevision;
  }

  async register(service: string, id: string, registration: InstanceRegistration): Promise<Instance> {
    const refused = this.refuse() ?? checkServiceName(service) ?? checkInstanceId(id);
    if (refused) throw refused;
    const parsed = parseInstanceRegistration(registration);
    if (parsed instanceof RegistryError) throw parsed;
    const wanted = instanceFromRecord(service, id, recordFor(parsed, undefined), this.clock.now());

    return this.etcdWrite(async () => {
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const current = await this.read(service, id);
        const previous = current && instanceFromRecord(service, id, current.record, 0);
        const unchanged = previous !== undefined && sameRegistration(previous, wanted) && previous.health === 'healthy';
        if (unchanged && parsed.ttlMs === undefined) return wanted;
        // The same registration again only renews: a keep-alive, no write, no event.
        const heldLease = unchanged ? current?.record.lease : undefined;
        if (heldLease !== undefined && (await this.leases.keepAlive(heldLease))) return wanted;

        const lease = parsed.ttlMs === undefined ? undefined : await this.leases.grant(parsed.ttlMs);
        const record = recordFor(parsed, lease);
        const committed = await this.putRecord(service, id, record, current?.modRevision ?? '0');
        if (committed === undefined) {
          if (lease !== undefined) this.leases.revokeQuietly(lease);
          continue;
        }
        if (current?.record.lease !== undefined && current.record.lease !== lease) this.leases.revokeQuietly(current.record.lease);
        await this.caughtUp(committed);
        this.logger.debug({ service, id, created: current === undefined }, 'instance registered');
        return wanted;
      }
      throw new RegistryError('conflict', 'id', `instance ${service}/${id} kept changing under this write; try again`);
    });
  }

  async heartbeat(service: string, id: string): Promise<Instance> {
    const refused = this.refuse() ?? checkServiceName(service) ?? checkInstanceId(id);
    if (refused) throw refused;
    return this.etcdWrite(async () => {
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const current = await this.read(service, id);
        if (current === undefined) throw new RegistryError('not_found', 'id', `service ${service} has no instance ${id}; register it again`);
        const { record } = current;
        if (record.ttlMs === undefined) {
          throw new RegistryError('conflict', 'id', `instance ${service}/${id} was registered without a ttl, so heartbeats have nothing to renew`);
        }
        const renewed = instanceFromRecord(service, id, { ...record, health: 'healthy' }, this.clock.now());
        if (record.health === 'healthy' && record.lease !== undefined && (await this.leases.keepAlive(record.lease))) return renewed;

        // Lapsed (or about to be marked so): a new lease, and the record healthy again.
        const lease = await this.leases.grant(record.ttlMs);
        const { lapsedAt: _lapsedAt, ...rest } = record;
        const committed = await this.putRecord(service, id, { ...rest, health: 'healthy', lease }, current.modRevision);
        if (committed === undefined) {
          this.leases.revokeQuietly(lease);
          continue;
        }
        await this.caughtUp(committed);
        this.logger.info({ service, id }, 'lapsed instance renewed; healthy again');
        return renewed;
      }
      throw new RegistryError('conflict', 'id', `instance ${service}/${id} kept changing under this heartbeat; try again`);
    });
  }

  async deregister(service: string, id: string): Promise<void> {
    const refused = this.refuse() ?? checkServiceName(service) ?? checkInstanceId(id);
    if (refused) throw refused;
    return this.etcdWrite(async () => {
      const current = await this.read(service, id);
      if (current === undefined) throw new RegistryError('not_found', 'id', `service ${service} has no instance ${id}`);
      const result = await this.client
        .if(this.keys.instance(service, id), 'Create', '>', 0)
        .then(this.client.delete().key(this.keys.instance(service, id)), this.client.delete().key(this.keys.alive(service, id)))
        .commit();
      if (!result.succeeded) throw new RegistryError('not_found', 'id', `service ${service} has no instance ${id}`);
      if (current.record.lease !== undefined) this.leases.revokeQuietly(current.record.lease);
      await this.caughtUp(result.header.revision);
      this.logger.debug({ service, id }, 'instance deregistered');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.setReaper(false);
    this.watchers.clear();
    for (const waiter of this.revisionWaiters) waiter.resolve();
    this.revisionWaiters = [];
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.cancel().catch(() => undefined);
  }

  /**
   * Turns the leader-only TTL housekeeping on or off (the composition root follows the
   * election). Taking over reconciles every TTL instance, since lapses that happened while
   * nobody led were not acted on.
   */
  setReaper(active: boolean): void {
    if (this.reaping === active || (active && this.closed)) return;
    this.reaping = active;
    if (!active) {
      this.removals.clear();
      this.cancelRemovalTimer?.();
      this.cancelRemovalTimer = undefined;
      this.removalTimerAt = undefined;
      return;
    }
    this.logger.info('leading: reaping lapsed TTL instances');
    for (const key of this.records.keys()) this.reconcileTtl(key);
  }

  // ---- reading etcd ------------------------------------------------------------------------

  private refuse(): RegistryError | undefined {
    return this.closed ? new RegistryError('unavailable', undefined, 'the registry is shutting down') : undefined;
  }

  /** Runs `body`, turning anything that is not already a RegistryError into `unavailable`. */
  private async etcdWrite<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      this.logger.warn({ err: error }, 'registry write failed: etcd did not answer');
      throw etcdUnavailable(error);
    }
  }

  /** A linearizable read of one record, so read-modify-write starts from what etcd holds now. */
  private async read(service: string, id: string): Promise<Stored | undefined> {
    const response = await this.client.get(this.keys.instance(service, id)).exec();
    const kv = response.kvs[0];
    if (kv === undefined) return undefined;
    const record = decodeRecord(service, id, kv.value.toString());
    if (record instanceof RegistryError) {
      throw new RegistryError('conflict', 'id', `the stored record of ${service}/${id} is invalid (${record.message}); deregister it first`);
    }
    return { record, modRevision: kv.mod_revision };
  }

  /**
   * Writes the record (and its alive key, on the record's lease) if the record is still at
   * `expectedModRevision` ('0': absent). Returns the commit revision, or undefined if it lost a race.
   */
  private async putRecord(service: string, id: string, record: InstanceRecord, expectedModRevision: string): Promise<number | undefined> {
    const instanceKey = this.keys.instance(service, id);
    const aliveKey = this.keys.alive(service, id);
    const aliveOp = record.lease !== undefined ? this.client.put(aliveKey).value('').lease(record.lease) : this.client.delete().key(aliveKey);
    const result = await this.client
      .if(instanceKey, 'Mod', '==', expectedModRevision)
      .then(this.client.put(instanceKey).value(encodeRecord(record)), aliveOp)
      .commit();
    return result.succeeded ? Number(result.header.revision) : undefined;
  }

  /** Waits until this replica's watch has applied `revision` (bounded: etcd may just have gone away). */
  private caughtUp(revision: number | string): Promise<void> {
    const wanted = Number(revision);
    if (this.appliedRevision >= wanted || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const waitMs = this.options.watchWaitMs ?? 5_000;
      const cancel = this.clock.setTimer(() => {
        this.logger.warn({ revision: wanted, applied: this.appliedRevision }, "write committed in etcd but not yet seen by this replica's watch");
        resolve();
      }, waitMs);
      this.revisionWaiters.push({
        revision: wanted,
        resolve: () => {
          cancel();
          resolve();
        },
      });
    });
  }

  /**
   * Reads the whole registry at one revision, replaces memory with it (announcing only real
   * differences), and watches from the next revision. Used at start and after a watch error
   * (e.g. the revision it needed was compacted while etcd was away).
   */
  private resync(): Promise<void> {
    this.resyncing ??= this.doResync().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  private async doResync(): Promise<void> {
    const old = this.watcher;
    this.watcher = undefined;
    await old?.cancel().catch(() => undefined);
    const response = await this.client.getAll().prefix(this.keys.registryPrefix).exec();
    const revision = Number(response.header.revision);
    const seen = new Set<string>();
    const aliveNow = new Set<string>();
    let visible = false;
    for (const kv of response.kvs) {
      const parsed = parseRegistryKey(this.keys, kv.key.toString());
      if (parsed === undefined) continue;
      const key = keyOf(parsed.service, parsed.id);
      if (parsed.kind === 'alive') aliveNow.add(key);
      else {
        seen.add(key);
        visible = this.applyPut(parsed.service, parsed.id, kv) || visible;
      }
    }
    for (const key of [...this.records.keys()]) {
      if (!seen.has(key)) visible = this.applyDelete(key) || visible;
    }
    this.alive.clear();
    for (const key of aliveNow) this.alive.add(key);
    this.finishBatch(revision, visible);
    if (this.reaping) for (const key of this.records.keys()) this.reconcileTtl(key);
    if (this.closed) return;

    const watcher = await this.client
      .watch()
      .prefix(this.keys.registryPrefix)
      .startRevision(String(revision + 1))
      .create();
    if (this.closed) {
      await watcher.cancel().catch(() => undefined);
      return;
    }
    this.watcher = watcher;
    watcher.on('data', (res: IWatchResponse) => this.onWatchResponse(res));
    watcher.on('disconnected', (err: Error) => this.logger.warn({ err: err.message }, 'etcd watch disconnected; serving the last known registry state'));
    watcher.on('connected', () => this.logger.info({ revision: this.appliedRevision }, 'etcd watch connected; catching up'));
    watcher.on('error', (err: Error) => {
      if (this.closed || this.watcher !== watcher) return;
      // etcd cancelled it and etcd3 has detached it: resync must not cancel it again (a cancel
      // for a watch id etcd no longer knows makes etcd3 throw from its stream handler).
      this.watcher = undefined;
      this.logger.warn({ err: err.message }, 'etcd watch failed; reading the registry again');
      this.retryResync();
    });
    this.logger.info({ revision, instances: this.records.size }, 'registry loaded from etcd');
  }

  private retryResync(): void {
    this.resync().catch((error: unknown) => {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'reading the registry from etcd failed; retrying');
      if (!this.closed) this.clock.setTimer(() => this.retryResync(), REAPER_RETRY_MS);
    });
  }

  private onWatchResponse(res: IWatchResponse): void {
    if (this.closed || res.events.length === 0) return;
    let visible = false;
    for (const event of res.events) {
      const kv = event.kv;
      const parsed = parseRegistryKey(this.keys, kv.key.toString());
      if (parsed === undefined) continue;
      const key = keyOf(parsed.service, parsed.id);
      if (parsed.kind === 'alive') {
        if (event.type === 'Put') this.alive.add(key);
        else {
          this.alive.delete(key);
          if (this.reaping) this.reconcileTtl(key);
        }
        continue;
      }
      visible = (event.type === 'Put' ? this.applyPut(parsed.service, parsed.id, kv) : this.applyDelete(key)) || visible;
      if (this.reaping) this.reconcileTtl(key);
    }
    this.finishBatch(Number(res.header.revision), visible);
  }

  /** Applies one stored record to memory; returns whether a proxy could notice. */
  private applyPut(service: string, id: string, kv: IKeyValue): boolean {
    const key = keyOf(service, id);
    const record = decodeRecord(service, id, kv.value.toString());
    if (record instanceof RegistryError) {
      this.logger.error({ key: kv.key.toString(), field: record.field, problem: record.message }, 'ignoring an invalid instance record in etcd');
      return this.applyDelete(key);
    }
    const previous = this.table.get(service, id);
    const next = instanceFromRecord(service, id, record, this.clock.now());
    this.records.set(key, { record, modRevision: kv.mod_revision });
    const visible = previous === undefined || !sameRegistration(previous, next) || previous.health !== next.health;
    this.table.put(visible || previous === undefined ? next : { ...previous }, visible);
    return visible;
  }

  private applyDelete(key: string): boolean {
    const slash = key.indexOf('/');
    this.records.delete(key);
    this.lapsing.delete(key);
    return this.table.delete(key.slice(0, slash), key.slice(slash + 1));
  }

  private finishBatch(revision: number, visible: boolean): void {
    if (revision > this.appliedRevision) this.appliedRevision = revision;
    if (visible) {
      this.committed = Object.freeze({ revision: this.appliedRevision, services: this.table.cut().services });
      this.watchers.notify(this.committed);
    }
    const due = this.revisionWaiters.filter((w) => w.revision <= this.appliedRevision);
    this.revisionWaiters = this.revisionWaiters.filter((w) => w.revision > this.appliedRevision);
    for (const waiter of due) waiter.resolve();
  }

  // ---- leader-only TTL housekeeping ---------------------------------------------------------

  /** Decides what a TTL instance is due for now that something about it changed. */
  private reconcileTtl(key: string): void {
    const stored = this.records.get(key);
    if (stored === undefined || stored.record.ttlMs === undefined) return;
    if (stored.record.health === 'healthy') {
      if (!this.alive.has(key)) void this.markLapsed(key, stored);
      return;
    }
    const grace = removalGraceMs(instanceFromRecord('', '', stored.record, 0), this.options.removalGraceMs);
    this.removals.schedule(key, (stored.record.lapsedAt ?? this.clock.now()) + grace);
    this.armRemovalTimer();
  }

  private async markLapsed(key: string, stored: Stored): Promise<void> {
    if (this.lapsing.has(key)) return;
    this.lapsing.add(key);
    const slash = key.indexOf('/');
    const [service, id] = [key.slice(0, slash), key.slice(slash + 1)];
    const { lease: _lease, ...rest } = stored.record;
    try {
      // Only if nothing renewed it meanwhile: the record unchanged and no alive key.
      const result = await this.client
        .if(this.keys.instance(service, id), 'Mod', '==', stored.modRevision)
        .and(this.keys.alive(service, id), 'Create', '==', 0)
        .then(this.client.put(this.keys.instance(service, id)).value(encodeRecord({ ...rest, health: 'unhealthy', lapsedAt: this.clock.now() })))
        .commit();
      if (result.succeeded) this.logger.info({ service, id, ttlMs: stored.record.ttlMs }, 'instance missed its ttl; unhealthy');
    } catch (error) {
      this.logger.warn({ service, id, err: error instanceof Error ? error.message : String(error) }, 'could not mark a lapsed instance; retrying');
      this.clock.setTimer(() => {
        if (this.reaping) this.reconcileTtl(key);
      }, REAPER_RETRY_MS);
    } finally {
      this.lapsing.delete(key);
    }
  }

  private armRemovalTimer(): void {
    const next = this.removals.next();
    if (next === this.removalTimerAt) return;
    this.cancelRemovalTimer?.();
    this.cancelRemovalTimer = undefined;
    this.removalTimerAt = next;
    if (next === undefined || !this.reaping) return;
    this.cancelRemovalTimer = this.clock.setTimer(() => this.onRemovalDue(), next - this.clock.now());
  }

  private onRemovalDue(): void {
    this.cancelRemovalTimer = undefined;
    this.removalTimerAt = undefined;
    if (!this.reaping) return;
    for (const key of this.removals.takeDue(this.clock.now())) {
      const stored = this.records.get(key);
      if (stored === undefined || stored.record.health !== 'unhealthy') continue;
      void this.remove(key, stored);
    }
    this.armRemovalTimer();
  }

  private async remove(key: string, stored: Stored): Promise<void> {
    const slash = key.indexOf('/');
    const [service, id] = [key.slice(0, slash), key.slice(slash + 1)];
    try {
      const result = await this.client
        .if(this.keys.instance(service, id), 'Mod', '==', stored.modRevision)
        .then(this.client.delete().key(this.keys.instance(service, id)), this.client.delete().key(this.keys.alive(service, id)))
        .commit();
      if (result.succeeded) this.logger.info({ service, id }, 'lapsed instance removed');
    } catch (error) {
      this.logger.warn({ service, id, err: error instanceof Error ? error.message : String(error) }, 'could not remove a lapsed instance; retrying');
      this.clock.setTimer(() => {
        if (this.reaping) this.reconcileTtl(key);
      }, REAPER_RETRY_MS);
    }
  }
}
