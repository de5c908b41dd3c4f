import { RESOURCE_TYPE_URLS } from '../proto/type-urls';
import type { ResourceSet } from './resource-set';
import { ResourceEncoder, type EncodedResource } from './encoded-resource';
import { Snapshot } from './snapshot';

export type SnapshotListener = (snapshot: Snapshot) => void;

/** Told when a group gains its first watching stream or loses its last, so translation runs only for groups in use. */
export interface GroupDemandHandler {
  opened(group: string): void;
  closed(group: string): void;
}

/**
 * Resource sets by proxy group. It knows nothing of gRPC or of where resources come from:
 * publishers call setSnapshot, streams watch a group.
 */
export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  /** The set each group's snapshot was last built from: a type whose list is the very same array is reused as is. */
  private readonly sources = new Map<string, ResourceSet>();
  private readonly watchers = new Map<string, Set<SnapshotListener>>();
  private readonly encoder = new ResourceEncoder();
  private demand?: GroupDemandHandler;

  /** Encodes (once per message object or content) and publishes a group's resource set. Returns the snapshot, or the current one when nothing changed. */
  setSnapshot(group: string, set: ResourceSet, changedAt = Date.now()): Snapshot {
    const previous = this.snapshots.get(group);
    const source = this.sources.get(group);
    const byType = new Map<string, ReadonlyMap<string, EncodedResource>>();
    for (const typeUrl of RESOURCE_TYPE_URLS) {
      const list = set[typeUrl] ?? [];
      // A patched set keeps the arrays of the types it did not touch (translate/patch.ts).
      if (previous && source && source[typeUrl] === set[typeUrl]) {
        byType.set(typeUrl, previous.resources(typeUrl));
        continue;
      }
      const encoded: EncodedResource[] = [];
      for (const r of [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        // Sorted, so a repeated name is adjacent.
        if (encoded.length > 0 && encoded[encoded.length - 1]!.name === r.name)
          throw new Error(`duplicate ${typeUrl} resource name "${r.name}" in group ${group}`);
        encoded.push(this.encoder.encode(typeUrl, r));
      }
      // A type whose resources are all the ones already published keeps its map (and with it
      // its version): after an endpoint change only the endpoint type is new.
      const before = previous?.resources(typeUrl);
      if (before && before.size === encoded.length && encoded.every((e) => before.get(e.name) === e)) {
        byType.set(typeUrl, before);
        continue;
      }
      byType.set(typeUrl, new Map(encoded.map((e) => [e.name, e])));
    }
    // Only a set that went through whole (no duplicate names) is a source to compare against.
    this.sources.set(group, set);
    const snapshot = new Snapshot(byType, changedAt, previous);
    if (previous && previous.version === snapshot.version) return previous;
    this.snapshots.set(group, snapshot);
    for (const listener of [...(this.watchers.get(group) ?? [])]) listener(snapshot);
    return snapshot;
  }

  getSnapshot(group: string): Snapshot | undefined {
    return this.snapshots.get(group);
  }

  clearSnapshot(group: string): void {
    this.snapshots.delete(group);
    this.sources.delete(group);
  }

  watchedGroups(): string[] {
    return [...this.watchers.keys()];
  }

  /** How many resources were actually encoded (for tests and benchmarks). */
  get encodeCount(): number {
    return this.encoder.encodeCount;
  }

  setDemandHandler(handler: GroupDemandHandler | undefined): void {
    this.demand = handler;
  }

  watch(group: string, listener: SnapshotListener): () => void {
    let set = this.watchers.get(group);
    const first = !set;
    if (!set) {
      set = new Set();
      this.watchers.set(group, set);
    }
    set.add(listener);
    if (first) this.demand?.opened(group);
    return () => {
      const current = this.watchers.get(group);
      if (!current?.delete(listener)) return;
      if (current.size === 0) {
        this.watchers.delete(group);
        this.demand?.closed(group);
      }
    };
  }
}
