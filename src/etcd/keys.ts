// Where Switchyard keeps its state in etcd. Everything lives under one prefix (default
// `/switchyard/`), so one etcd cluster can hold several meshes side by side:
//
//   <prefix>registry/instances/<service>/<id>  instance record (JSON, see etcd-record.ts); no lease
//   <prefix>registry/alive/<service>/<id>      '' on the instance's lease, TTL instances only
//   <prefix>leader                             the replica id of the current leader, on its lease
//   <prefix>config/mesh                        the mesh file pushed with `switchyard config push`
//   <prefix>ca/…                               the shared CA and xDS token state (see src/ca/shared-ca.ts)
//   <prefix>history/state, history/mesh/<hash> the shared history (see src/history/etcd-history.ts)
//
// Service names and ids are DNS labels, so '/' never occurs inside them and keys split cleanly.

export const DEFAULT_ETCD_PREFIX = '/switchyard/';

export interface EtcdKeys {
  readonly prefix: string;
  readonly instancesPrefix: string;
  readonly alivePrefix: string;
  /** Everything the registry watches: instances and alive keys. */
  readonly registryPrefix: string;
  readonly leader: string;
  readonly meshConfig: string;
  readonly caPrefix: string;
  instance(service: string, id: string): string;
  alive(service: string, id: string): string;
}

export function etcdKeys(prefix: string = DEFAULT_ETCD_PREFIX): EtcdKeys {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const registryPrefix = `${base}registry/`;
  const instancesPrefix = `${registryPrefix}instances/`;
  const alivePrefix = `${registryPrefix}alive/`;
  return {
    prefix: base,
    registryPrefix,
    instancesPrefix,
    alivePrefix,
    leader: `${base}leader`,
    meshConfig: `${base}config/mesh`,
    caPrefix: `${base}ca/`,
    instance: (service, id) => `${instancesPrefix}${service}/${id}`,
    alive: (service, id) => `${alivePrefix}${service}/${id}`,
  };
}

export type RegistryKey = { kind: 'instance' | 'alive'; service: string; id: string };

/** Which registry key this is, or undefined for a key the registry does not own. */
export function parseRegistryKey(keys: EtcdKeys, key: string): RegistryKey | undefined {
  const kind = key.startsWith(keys.instancesPrefix) ? 'instance' : key.startsWith(keys.alivePrefix) ? 'alive' : undefined;
  if (kind === undefined) return undefined;
  const rest = key.slice(kind === 'instance' ? keys.instancesPrefix.length : keys.alivePrefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1 || rest.indexOf('/', slash + 1) !== -1) return undefined;
  return { kind, service: rest.slice(0, slash), id: rest.slice(slash + 1) };
}
