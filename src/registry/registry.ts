// The registry in two halves. Downstream stages (mesh state, the admin API's reads) need only
// the read side, so a read-only source such as a Kubernetes or Consul catalog can feed the mesh
// by implementing RegistryReader alone. The stores we own (embedded file, etcd) implement both.

import type { Instance, InstanceRegistration } from '../model/instance';

export interface RegistrySnapshot {
  /**
   * Grows whenever something a proxy could see changes (membership, address, labels, weight,
   * zone, ttl, health). A heartbeat that only renews a healthy instance moves `renewedAt`
   * without a new revision, so heartbeats never cause config pushes.
   */
  readonly revision: number;
  /** Service → its registered instances, sorted by id. Services without instances are absent. */
  readonly services: ReadonlyMap<string, readonly Instance[]>;
}

export type RegistryListener = (snapshot: RegistrySnapshot) => void;

export interface RegistryReader {
  /** The latest committed state: only writes that are durable are ever visible here. */
  snapshot(): RegistrySnapshot;
  /**
   * Calls `listener` after every committed change (several writes may arrive as one call).
   * It is not called with the current state: read `snapshot()` first. Returns an unsubscribe.
   */
  watch(listener: RegistryListener): () => void;
}

/** Registration through the admin API; a read-only source has none. */
export interface RegistryWriter {
  /**
   * Registers or updates an instance. Idempotent: the same body again renews a TTL instance
   * but produces no change event. Rejects with a RegistryError; a rejected write changes nothing.
   */
  register(service: string, id: string, registration: InstanceRegistration): Promise<Instance>;
  /** Renews a TTL instance (and makes a lapsed one healthy again). */
  heartbeat(service: string, id: string): Promise<Instance>;
  deregister(service: string, id: string): Promise<void>;
}

/** A store that is both: what `switchyard serve` opens with `--registry embedded|etcd`. */
export interface Registry extends RegistryReader, RegistryWriter {
  /** Finishes pending writes, then rejects every later write with `unavailable`. */
  close(): Promise<void>;
}
