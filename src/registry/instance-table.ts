// The store's working state: every write lands here at once (so the next write validates
// against it), and a snapshot is cut from it when a batch is persisted. Snapshots share the
// arrays of services that did not change, so consumers can skip them by identity and the
// cost of a commit grows with what changed, not with the registry's size.

import type { Instance } from '../model/instance';
import type { RegistrySnapshot } from './registry';

function byId(a: Instance, b: Instance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class InstanceTable {
  private readonly services = new Map<string, Map<string, Instance>>();
  private readonly changedServices = new Set<string>();
  /** `service/id` of instances changed in a way worth persisting since the last `takeChangedKeys`. */
  private changedKeys = new Set<string>();
  private lastCut: RegistrySnapshot;
  private currentRevision: number;

  constructor(base: RegistrySnapshot) {
    this.lastCut = base;
    this.currentRevision = base.revision;
    for (const [service, instances] of base.services) {
      this.services.set(service, new Map(instances.map((instance) => [instance.id, instance])));
    }
  }

  get revision(): number {
    return this.currentRevision;
  }

  get(service: string, id: string): Instance | undefined {
    return this.services.get(service)?.get(id);
  }

  /** Stores `instance`; `visible` says whether proxies could notice, which earns a new revision. */
  put(instance: Instance, visible: boolean): void {
    let instances = this.services.get(instance.service);
    if (instances === undefined) {
      instances = new Map();
      this.services.set(instance.service, instances);
    }
    instances.set(instance.id, Object.freeze(instance));
    this.changedServices.add(instance.service);
    if (visible) {
      this.currentRevision += 1;
      this.changedKeys.add(`${instance.service}/${instance.id}`);
    }
  }

  delete(service: string, id: string): boolean {
    const instances = this.services.get(service);
    if (instances === undefined || !instances.delete(id)) return false;
    if (instances.size === 0) this.services.delete(service);
    this.changedServices.add(service);
    this.changedKeys.add(`${service}/${id}`);
    this.currentRevision += 1;
    return true;
  }

  takeChangedKeys(): ReadonlySet<string> {
    const keys = this.changedKeys;
    this.changedKeys = new Set();
    return keys;
  }

  *all(): IterableIterator<Instance> {
    for (const instances of this.services.values()) yield* instances.values();
  }

  /** The current state as an immutable snapshot; unchanged services keep their arrays. */
  cut(): RegistrySnapshot {
    if (this.changedServices.size === 0 && this.lastCut.revision === this.currentRevision) return this.lastCut;
    const services = new Map<string, readonly Instance[]>();
    const names = new Set([...this.lastCut.services.keys(), ...this.services.keys()]);
    for (const name of [...names].sort()) {
      const previous = this.lastCut.services.get(name);
      if (!this.changedServices.has(name) && previous !== undefined) {
        services.set(name, previous);
        continue;
      }
      const current = this.services.get(name);
      if (current !== undefined) services.set(name, Object.freeze([...current.values()].sort(byId)));
    }
    this.changedServices.clear();
    this.lastCut = Object.freeze({ revision: this.currentRevision, services });
    return this.lastCut;
  }
}
