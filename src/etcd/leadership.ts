// Which replica does the work exactly one replica may do: reaping lapsed TTL instances and
// finishing root rotations. The leader holds `<prefix>leader` on a lease of its own that it
// keeps alive; the others try to take the key every second and get it once it is gone.
//
// Leader loss: if the leader stops (or cannot reach etcd for longer than the lease TTL), its
// lease expires, the key goes, and another replica takes over within about TTL + 1s. A leader
// that stops hearing from etcd steps down as soon as etcd3 reports its lease lost, so two
// replicas never both believe they lead for longer than one lease TTL; the work itself is
// guarded anyway (every reaper write is a transaction on the record's mod revision, and
// finishing a rotation is idempotent), so an overlap can at worst repeat a no-op.

import type { Etcd3, Lease } from 'etcd3';
import type { Logger } from 'pino';

export interface EtcdLeadershipOptions {
  readonly client: Etcd3;
  readonly key: string;
  /** This replica's name in the leader key (shown by `etcdctl get <prefix>leader`). */
  readonly id: string;
  readonly logger: Logger;
  /** Lease TTL in seconds; default 5. */
  readonly ttlSeconds?: number;
  /** How often a follower tries to take over; default 1s. */
  readonly retryMs?: number;
}

export class EtcdLeadership {
  private lease: Lease | undefined;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(leading: boolean) => void>();

  constructor(private readonly options: EtcdLeadershipOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Called with true on taking the lead and false on losing it. */
  onChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    void this.attempt();
  }

  /** Steps down (deleting the key, so a successor need not wait for the TTL) and stops trying. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const lease = this.lease;
    this.lease = undefined;
    this.setLeading(false);
    if (lease) await lease.revoke().catch(() => undefined);
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.options.logger.info({ replica: this.options.id }, leading ? 'this replica now leads' : 'this replica no longer leads');
    for (const listener of this.listeners) listener(leading);
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.attempt(), this.options.retryMs ?? 1_000);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    if (this.stopped || this.leading) return;
    const { client, key, id } = this.options;
    const lease = this.lease ?? client.lease(this.options.ttlSeconds ?? 5);
    if (this.lease !== lease) {
      this.lease = lease;
      lease.on('lost', (err) => {
        if (this.lease !== lease) return;
        this.options.logger.warn({ err: err.message }, 'leader lease lost');
        this.lease = undefined;
        this.setLeading(false);
        this.schedule();
      });
    }
    try {
      const leaseId = await lease.grant();
      const result = await client.if(key, 'Create', '==', 0).then(client.put(key).value(id).lease(leaseId)).commit();
      if (this.stopped || this.lease !== lease) return;
      if (result.succeeded) {
        this.setLeading(true);
        return;
      }
    } catch (error) {
      this.options.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'leader election attempt failed');
      if (this.lease === lease && lease.revoked()) this.lease = undefined;
    }
    this.schedule();
  }
}
