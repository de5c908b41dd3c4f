// Follows a key or prefix in etcd for the life of a replica. etcd3's watchers reconnect by
// themselves and replay from the last revision they saw; what they cannot survive is that
// revision having been compacted while etcd was out of reach (etcd cancels the watch and the
// watcher emits 'error'). Then the follower reads the current state afresh and watches again
// from there, retrying every second while etcd is still away, so a replica never stops following.

import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { Logger } from 'pino';

export interface FollowOptions {
  readonly client: Etcd3;
  /** Exactly one of key or prefix. */
  readonly key?: string;
  readonly prefix?: string;
  /** The revision the caller's state was read at; events after it are delivered. */
  readonly fromRevision: string;
  readonly logger: Logger;
  onPut(kv: IKeyValue): void;
  onDelete(kv: IKeyValue): void;
  /** Re-reads the whole state after a lost watch; returns the revision it read at. */
  reread(): Promise<string>;
}

export interface Follower {
  stop(): Promise<void>;
}

const RETRY_MS = 1_000;

export async function follow(options: FollowOptions): Promise<Follower> {
  let watcher: Watcher | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const watchFrom = async (revision: string): Promise<void> => {
    const builder = options.client.watch();
    const scoped = options.key !== undefined ? builder.key(options.key) : builder.prefix(options.prefix!);
    const created = await scoped.startRevision(String(Number(revision) + 1)).create();
    if (stopped) {
      await created.cancel().catch(() => undefined);
      return;
    }
    watcher = created;
    created.on('put', (kv) => options.onPut(kv));
    created.on('delete', (kv) => options.onDelete(kv));
    created.on('error', (err: Error) => {
      if (stopped || watcher !== created) return;
      watcher = undefined;
      options.logger.warn({ key: options.key ?? options.prefix, err: err.message }, 'etcd watch lost; reading the state again');
      // etcd3 has already detached a watcher it reports an error for (etcd cancelled it).
      // Cancelling it again would send a cancel for a watch id etcd no longer knows, and etcd3
      // throws on the answer from inside its stream handler, which ends the process.
      recover();
    });
  };

  const recover = (): void => {
    if (stopped) return;
    options
      .reread()
      .then((revision) => watchFrom(revision))
      .catch((error: unknown) => {
        options.logger.warn(
          { key: options.key ?? options.prefix, err: error instanceof Error ? error.message : String(error) },
          'etcd still unreachable; retrying',
        );
        timer = setTimeout(recover, RETRY_MS);
        timer.unref();
      });
  };

  await watchFrom(options.fromRevision);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await watcher?.cancel().catch(() => undefined);
    },
  };
}
