// The in-process registry, persisted under the data dir (snapshot file plus append log, see
// registry-persistence.ts).
//
// A write is applied to the working table at once (so the next write sees it and a bad write
// is refused before anything changes), then waits for the batch it joined to reach disk.
// Only one disk write runs at a time and everything that arrives meanwhile joins the next
// one, so a burst of registrations costs a handful of fsyncs, not one each. Watchers and
// `snapshot()` only ever see what is on disk.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import type { Instance, InstanceRegistration } from '../model/instance';
import { systemClock, type Clock } from './clock';
import { DeadlineQueue } from './deadline-queue';
import { RegistryError } from './errors';
import { InstanceTable } from './instance-table';
import type { Registry, RegistryListener, RegistrySnapshot } from './registry';
import { RegistryWatchers } from './watchers';
import type { RegistryFileContent } from './registry-file';
import { loadRegistryState, RegistryPersistence } from './registry-persistence';
import { sameRegistration } from './same-registration';
import { dueTtlAction, nextTtlDeadline } from './ttl';
import { checkInstanceId, checkServiceName, DEFAULT_WEIGHT, parseInstanceRegistration } from './validation';

export { REGISTRY_FILE_NAME, REGISTRY_LOG_NAME } from './registry-persistence';

const EXPIRY_RETRY_DELAY_MS = 1_000;

export interface EmbeddedStoreOptions {
  readonly dataDir: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** How long a lapsed TTL instance stays listed as unhealthy before removal; default: its own TTL. */
  readonly removalGraceMs?: number;
  /**
   * Fold the append log into a new snapshot once it exceeds this many bytes. Default: the
   * larger of 256 KiB and the snapshot's size, which bounds disk use at about twice the state.
   */
  readonly compactionThresholdBytes?: number;
}

interface Waiter {
  resolve(): void;
  reject(error: RegistryError): void;
}

function keyOf(service: string, id: string): string {
  // '/' cannot occur in a valid service name, so the key is unambiguous.
  return `${service}/${id}`;
}

function snapshotFromFile(content: RegistryFileContent, now: number): RegistrySnapshot {
  const table = new InstanceTable({ revision: content.revision, services: new Map() });
  for (const persisted of content.instances) {
    // Proxies could not heartbeat while the control plane was down, so every TTL restarts
    // from the moment the file is loaded instead of expiring everything at once.
    table.put(
      {
        service: persisted.service,
        id: persisted.id,
        address: persisted.address,
        port: persisted.port,
        labels: persisted.labels ?? {},
        weight: persisted.weight ?? DEFAULT_WEIGHT,
        ...(persisted.zone !== undefined && { zone: persisted.zone }),
        ...(persisted.region !== undefined && { region: persisted.region }),
        health: persisted.health,
        ...(persisted.ttlMs !== undefined && { ttlMs: persisted.ttlMs }),
        renewedAt: now,
        source: 'registered',
      },
      false,
    );
  }
  return table.cut();
}

export class EmbeddedStore implements Registry {
  /**
   * Opens (creating if needed) the data dir and loads what it holds. Rejects with a
   * RegistryFileError naming the file and place when a file is damaged.
   */
  static async open(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const clock = options.clock ?? systemClock;
    const dataDir = path.resolve(options.dataDir);
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
    const loaded = await loadRegistryState(dataDir);
    const snapshot = snapshotFromFile(loaded.content, clock.now());
    const persistence = await RegistryPersistence.open(dataDir, loaded, snapshot, options.compactionThresholdBytes);
    options.logger.info(
      { dataDir, instances: loaded.content.instances.length, revision: snapshot.revision, logEntries: loaded.found.logEntries },
      'registry loaded',
    );
    if (loaded.found.tornTail) {
      options.logger.warn({ file: persistence.logFile }, 'dropped a half-written final log entry from a crash; it had not been acknowledged');
    }
    return new EmbeddedStore(persistence, snapshot, options, clock);
  }

  private committed: RegistrySnapshot;
  private table: InstanceTable;
  private persistedRevision: number;
  private readonly logger: Logger;
  private readonly watchers: RegistryWatchers;
  private readonly deadlines = new DeadlineQueue();
  private cancelTimer: (() => void) | undefined;
  private timerAt: number | undefined;
  /** After a failed write, expiry waits a moment so a broken disk is not retried in a hot loop. */
  private expiryPausedUntil = 0;

  /** Writes applied to the table but not yet part of a file write. */
  private waiting: Waiter[] = [];
  private flushScheduled = false;
  private writing = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  private constructor(
    private readonly persistence: RegistryPersistence,
    initial: RegistrySnapshot,
    private readonly options: EmbeddedStoreOptions,
    private readonly clock: Clock,
  ) {
    this.committed = initial;
    this.persistedRevision = initial.revision;
    this.table = new InstanceTable(initial);
    this.logger = options.logger.child({ component: 'registry' });
    this.watchers = new RegistryWatchers(this.logger);
    this.rebuildDeadlines();
  }

  snapshot(): RegistrySnapshot {
    return this.committed;
  }

  watch(listener: RegistryListener): () => void {
    return this.watchers.add(listener);
  }

  register(service: string, id: string, registration: InstanceRegistration): Promise<Instance> {
    const refused = this.refuse() ?? checkServiceName(service) ?? checkInstanceId(id);
    if (refused) return Promise.reject(refused);
    const parsed = parseInstanceRegistration(registration);
    if (parsed instanceof RegistryError) return Promise.reject(parsed);

    const previous = this.table.get(service, id);
    const next: Instance = {
      service,
      id,
      address: parsed.address,
      port: parsed.port,
      labels: parsed.labels ?? {},
      weight: parsed.weight ?? DEFAULT_WEIGHT,
      ...(parsed.zone !== undefined && { zone: parsed.zone }),
      ...(parsed.region !== undefined && { region: parsed.region }),
      health: 'healthy',
      ...(parsed.ttlMs !== undefined && { ttlMs: parsed.ttlMs }),
      renewedAt: this.clock.now(),
      source: 'registered',
    };
    // Re-sending the same registration only renews it; a lapsed instance coming back is a change.
    const visible = previous === undefined || !sameRegistration(previous, next) || previous.health !== 'healthy';
    this.table.put(next, visible);
    this.scheduleTtl(next);
    if (visible) this.logger.debug({ service, id, created: previous === undefined }, 'instance registered');
    return this.enqueue(next);
  }

  heartbeat(service: string, id: string): Promise<Instance> {
    const refused = this.refuse() ?? checkServiceName(service) ?? checkInstanceId(id);
    if (refused) return Promise.reject(refused);
    const previous = this.table.get(service, id);
    if (previous === undefined) {
      return Promise.reject(new RegistryError('not_found', 'id', `service ${service} has no instance ${id}; register it again`));
    }
    if (previous.ttlMs === undefined) {
      return Promise.reject(new RegistryError('conflict', 'id', `instance ${service}/${id} was registered without a ttl, so heartbeats have nothing to renew`));
    }
    const next: Instance = { ...previous, health: 'healthy', renewedAt: this.clock.now() };
    const recovered = previous.health !== 'healthy';
    this.table.put(next, recovered);
    this.scheduleTtl(next);
    if (recovered) this.logger.info({ service, id }, 'lapsed instance renewed; healthy again');
    return this.enqueue(next);
  }

  deregister(service: string, id: string): Promise<void> {
    const refused = this.refuse() ?? checkServiceName(service) ?? checkInstanceId(id);
    if (refused) return Promise.reject(refused);
    if (!this.table.delete(service, id)) {
      return Promise.reject(new RegistryError('not_found', 'id', `service ${service} has no instance ${id}`));
    }
    this.logger.debug({ service, id }, 'instance deregistered');
    return this.enqueue(undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return this.whenIdle();
    this.closed = true;
    await this.whenIdle();
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.watchers.clear();
    await this.persistence.close();
  }

  /** Resolves once no write is pending or in flight (tests and shutdown use it). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private refuse(): RegistryError | undefined {
    return this.closed ? new RegistryError('unavailable', undefined, 'the registry is shutting down') : undefined;
  }

  private isIdle(): boolean {
    return !this.writing && !this.flushScheduled && this.waiting.length === 0;
  }

  private enqueue<T>(value: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: () => resolve(value), reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.writing) return;
    this.flushScheduled = true;
    // setImmediate lets writes issued in the same turn share one file write.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    const changedKeys = this.table.takeChangedKeys();
    const candidate = this.table.cut();
    if (candidate.revision !== this.persistedRevision) {
      this.writing = true;
      try {
        await this.persistence.save(candidate, changedKeys);
        this.persistedRevision = candidate.revision;
      } catch (error) {
        this.writing = false;
        this.rollBack(batch, error);
        this.settleIdle();
        return;
      }
      this.writing = false;
    }
    this.commit(candidate);
    for (const waiter of batch) waiter.resolve();
    if (this.waiting.length > 0 || this.table.revision !== this.persistedRevision) this.scheduleFlush();
    this.settleIdle();
  }

  private commit(candidate: RegistrySnapshot): void {
    const changed = candidate.revision !== this.committed.revision;
    this.committed = candidate;
    if (!changed) return;
    this.watchers.notify(candidate);
  }

  /**
   * The file write failed, so the batch never happened. Writes that arrived during it were
   * checked against state that now will not exist, so they fail too rather than be re-judged.
   */
  private rollBack(batch: Waiter[], cause: unknown): void {
    const failed = [...batch, ...this.waiting];
    this.waiting = [];
    this.table = new InstanceTable(this.committed);
    this.expiryPausedUntil = this.clock.now() + EXPIRY_RETRY_DELAY_MS;
    this.rebuildDeadlines();
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.logger.error({ err: cause, writes: failed.length }, 'registry write failed; changes rolled back');
    const error = new RegistryError('unavailable', undefined, `the registry could not save its changes: ${reason}`);
    for (const waiter of failed) waiter.reject(error);
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // ---- TTL ---------------------------------------------------------------------------------

  private scheduleTtl(instance: Instance): void {
    const deadline = nextTtlDeadline(instance, this.options.removalGraceMs);
    if (deadline === undefined) return;
    this.deadlines.schedule(keyOf(instance.service, instance.id), deadline);
    this.armTimer();
  }

  private rebuildDeadlines(): void {
    this.deadlines.clear();
    for (const instance of this.table.all()) {
      const deadline = nextTtlDeadline(instance, this.options.removalGraceMs);
      if (deadline !== undefined) this.deadlines.schedule(keyOf(instance.service, instance.id), deadline);
    }
    this.armTimer();
  }

  /** Keeps exactly one timer, set for the earliest deadline of all instances. */
  private armTimer(): void {
    const earliest = this.deadlines.next();
    const next = earliest === undefined ? undefined : Math.max(earliest, this.expiryPausedUntil);
    if (next === this.timerAt) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = next;
    if (next === undefined || this.closed) return;
    this.cancelTimer = this.clock.setTimer(() => this.onDeadline(), next - this.clock.now());
  }

  private onDeadline(): void {
    this.cancelTimer = undefined;
    this.timerAt = undefined;
    if (this.closed) return;
    const now = this.clock.now();
    let changed = false;
    for (const key of this.deadlines.takeDue(now)) {
      const slash = key.indexOf('/');
      const instance = this.table.get(key.slice(0, slash), key.slice(slash + 1));
      if (instance === undefined) continue;
      const action = dueTtlAction(instance, now, this.options.removalGraceMs);
      if (action === 'mark_unhealthy') {
        const lapsed: Instance = { ...instance, health: 'unhealthy' };
        this.table.put(lapsed, true);
        this.scheduleTtl(lapsed);
        this.logger.info({ service: instance.service, id: instance.id, ttlMs: instance.ttlMs }, 'instance missed its ttl; unhealthy');
        changed = true;
      } else if (action === 'remove') {
        this.table.delete(instance.service, instance.id);
        this.logger.info({ service: instance.service, id: instance.id }, 'lapsed instance removed');
        changed = true;
      } else {
        // Renewed since this deadline was set: wait for its real one.
        this.scheduleTtl(instance);
      }
    }
    if (changed) this.scheduleFlush();
    this.armTimer();
  }
}
