// One etcd connection per replica, shared by every source that lives in etcd (registry, mesh
// file, CA) and by leader election. Opened only when some source is etcd.
import * as os from 'node:os';
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import { EtcdLeadership, connectEtcd, etcdKeys, type EtcdKeys } from '../etcd';
import type { EtcdOptions } from './options';

export interface EtcdConnection {
  readonly client: Etcd3;
  readonly keys: EtcdKeys;
  readonly endpoints: readonly string[];
  /**
   * Exactly one replica leads: it reaps lapsed TTL instances and finishes root rotations.
   * Started by the caller once every stage that listens to it has subscribed.
   */
  readonly leadership: EtcdLeadership;
  readonly replicaId: string;
  close(): Promise<void>;
}

export function openEtcd(options: EtcdOptions, logger: Logger, replicaId = `${os.hostname()}-${process.pid}`): EtcdConnection {
  const client = connectEtcd({ endpoints: options.endpoints, tls: options.tls, auth: options.auth });
  const keys = etcdKeys(options.prefix);
  const leadership = new EtcdLeadership({ client, key: keys.leader, id: replicaId, logger: logger.child({ stage: 'registry' }) });
  return {
    client,
    keys,
    endpoints: options.endpoints,
    leadership,
    replicaId,
    close: async () => {
      await leadership.stop();
      client.close();
    },
  };
}
