// The etcd plumbing replicas share: one client with deadlines and retries, leader election,
// the key layout, and following a key through compacted history. The registry, the shared CA
// and the shared mesh file are each built on these.
export { connectEtcd, parseEtcdEndpoints, DEFAULT_ETCD_CALL_TIMEOUT_MS, type EtcdClientOptions } from './client';
export { EtcdLeadership, type EtcdLeadershipOptions } from './leadership';
export { etcdKeys, parseRegistryKey, DEFAULT_ETCD_PREFIX, type EtcdKeys, type RegistryKey } from './keys';
export { follow } from './follow';
