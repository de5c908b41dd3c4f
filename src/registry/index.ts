export type { Registry, RegistryReader, RegistryWriter, RegistryListener, RegistrySnapshot } from './registry';
export { RegistryError, isRegistryError, etcdUnavailable, type RegistryErrorCode } from './errors';
export { EmbeddedStore, REGISTRY_FILE_NAME, type EmbeddedStoreOptions } from './embedded-store';
export { RegistryFileError } from './registry-file';
export { mergeInstances, staticEndpointId } from './merge';
export { systemClock, type Clock } from './clock';
export {
  parseInstanceRegistration,
  checkServiceName,
  checkInstanceId,
  MIN_TTL_MS,
  MAX_TTL_MS,
  MIN_WEIGHT,
  MAX_WEIGHT,
  DEFAULT_WEIGHT,
  STATIC_ID_PREFIX,
} from './validation';
export { EtcdStore, type EtcdStoreOptions } from './etcd-store';
