import type { Logger } from 'pino';
import { EmbeddedStore, EtcdStore, type Registry } from '../registry';
import type { EtcdConnection } from './etcd-runner';

export type RegistryKind = 'embedded' | 'etcd';

export interface RegistryWiringOptions {
  readonly kind: RegistryKind;
  readonly dataDir: string;
  readonly logger: Logger;
  /** The replica's etcd connection; required for `etcd`. */
  readonly etcd?: EtcdConnection;
}

export interface RegistryWiring {
  readonly registry: Registry;
  /** Whether registry writes can succeed now (a named /readyz check). */
  writable(): Promise<{ ready: boolean; detail?: string }>;
  close(): Promise<void>;
}

export async function openRegistry(options: RegistryWiringOptions): Promise<RegistryWiring> {
  const logger = options.logger.child({ stage: 'registry' });
  if (options.kind === 'embedded') {
    const registry = await EmbeddedStore.open({ dataDir: options.dataDir, logger });
    return { registry, writable: async () => ({ ready: true }), close: () => registry.close() };
  }
  const etcd = options.etcd;
  if (etcd === undefined) throw new Error('the etcd registry needs an etcd connection');
  const { client, keys, leadership } = etcd;
  let store: EtcdStore;
  try {
    store = await EtcdStore.open({ client, logger, prefix: keys.prefix });
  } catch (error) {
    throw new Error(`cannot read the registry from etcd at ${etcd.endpoints.join(',')}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Exactly one replica reaps lapsed TTL instances: the leader.
  const unsubscribe = leadership.onChange((leading) => store.setReaper(leading));
  return {
    registry: store,
    writable: async () => {
      try {
        // A linearizable read needs a quorum, exactly like a write.
        await client
          .get(keys.leader)
          .options({ deadline: Date.now() + 1_500 })
          .exec();
        return { ready: true, detail: `etcd revision ${store.revision}${leadership.isLeader ? ', leader' : ''}` };
      } catch (error) {
        return {
          ready: false,
          detail: `etcd is unreachable; serving the last known state, refusing registry writes (${error instanceof Error ? error.message : String(error)})`,
        };
      }
    },
    close: async () => {
      unsubscribe();
      await store.close();
    },
  };
}
