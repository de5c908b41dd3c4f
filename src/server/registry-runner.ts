import * as os from 'node:os';
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import type { Instance, MeshConfig } from '../model';
import { EmbeddedStore, EtcdStore, mergeInstances, type Registry, type RegistryReader } from '../registry';
import { EtcdLeadership, connectEtcd, etcdKeys, type EtcdKeys } from '../etcd';

export type RegistryKind = 'embedded' | 'etcd';

export interface RegistryWiringOptions {
  readonly kind: RegistryKind;
  readonly dataDir: string;
  readonly logger: Logger;
  readonly etcdEndpoints?: readonly string[];
  readonly etcdPrefix?: string;
  /** How this replica names itself in etcd (leader key, logs). */
  readonly replicaId?: string;
}

/** What an etcd-backed replica shares with the other replicas besides the registry. */
export interface EtcdWiring {
  readonly client: Etcd3;
  readonly keys: EtcdKeys;
  readonly leadership: EtcdLeadership;
  readonly replicaId: string;
}

export interface RegistryWiring {
  readonly registry: Registry;
  readonly etcd?: EtcdWiring;
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
  const endpoints = options.etcdEndpoints ?? [];
  const client = connectEtcd({ endpoints });
  const keys = etcdKeys(options.etcdPrefix);
  let store: EtcdStore;
  try {
    store = await EtcdStore.open({ client, logger, prefix: keys.prefix });
  } catch (error) {
    client.close();
    throw new Error(`cannot read the registry from etcd at ${endpoints.join(',')}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const replicaId = options.replicaId ?? `${os.hostname()}-${process.pid}`;
  const leadership = new EtcdLeadership({ client, key: keys.leader, id: replicaId, logger });
  // Exactly one replica reaps lapsed TTL instances: the leader.
  leadership.onChange((leading) => store.setReaper(leading));
  leadership.start();
  return {
    registry: store,
    etcd: { client, keys, leadership, replicaId },
    writable: async () => {
      try {
        // A linearizable read needs a quorum, exactly like a write.
        await client.get(keys.leader).options({ deadline: Date.now() + 1_500 }).exec();
        return { ready: true, detail: `etcd revision ${store.revision}${leadership.isLeader ? ', leader' : ''}` };
      } catch (error) {
        return { ready: false, detail: `etcd is unreachable; serving the last known state, refusing registry writes (${error instanceof Error ? error.message : String(error)})` };
      }
    },
    close: async () => {
      await leadership.stop();
      await store.close();
      client.close();
    },
  };
}

/** What translation sees: the mesh file's static endpoints merged with registered instances. */
export function instancesOf(config: MeshConfig, registry: RegistryReader): ReadonlyMap<string, readonly Instance[]> {
  return mergeInstances(config.services, registry.snapshot().services);
}
