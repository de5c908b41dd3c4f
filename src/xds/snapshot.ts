import { createHash } from 'node:crypto';
import type { ResourceTypeUrl } from '../proto/type-urls';
import type { EncodedResource } from './encoded-resource';

export type ResourceMap = ReadonlyMap<string, EncodedResource>;

/**
 * How a type's map differs from the previous snapshot's: computed once per group, so each of
 * the group's streams can tell what changed without walking every resource itself.
 */
export interface TypeChange {
  /** The previous snapshot's map for the type. */
  readonly from: ResourceMap;
  /** Entries that are new or differ from `from`. */
  readonly changed: readonly EncodedResource[];
  /** No name was added or removed. */
  readonly sameNames: boolean;
}

/** One proxy group's complete resource set at one version. Immutable. */
export class Snapshot {
  readonly version: string;
  /** setVersion of each type's whole set: what every wildcard stream answers with. */
  private readonly typeVersions = new Map<string, string>();
  private readonly changes = new Map<string, TypeChange>();

  /**
   * `byType`'s maps must be in name order. Maps shared with `previous` (a type that did not
   * change) keep its type version, so a snapshot that changes one type hashes only that type.
   */
  constructor(
    private readonly byType: ReadonlyMap<string, ResourceMap>,
    /** Epoch ms of the upstream change that produced it (registry write, config reload). */
    readonly changedAt: number,
    previous?: Snapshot,
  ) {
    const parts: string[] = [];
    for (const typeUrl of [...byType.keys()].sort()) {
      const map = byType.get(typeUrl)!;
      const before = previous?.byType.get(typeUrl);
      const inherited = before === map ? previous?.typeVersions.get(typeUrl) : undefined;
      if (before && before !== map) this.changes.set(typeUrl, changeBetween(before, map));
      const v = inherited ?? sortedSetVersion(map.values());
      this.typeVersions.set(typeUrl, v);
      parts.push(`${typeUrl}\0${v}\n`);
    }
    this.version = createHash('sha256').update(parts.join('')).digest('base64url').slice(0, 16);
  }

  resources(typeUrl: string): ResourceMap {
    return this.byType.get(typeUrl) ?? EMPTY;
  }

  /** How the type changed from the previous snapshot of the group; undefined if it did not (or there was none). */
  change(typeUrl: string): TypeChange | undefined {
    return this.changes.get(typeUrl);
  }

  typeVersion(typeUrl: string): string {
    return this.typeVersions.get(typeUrl) ?? setVersion([]);
  }

  typeUrls(): ResourceTypeUrl[] {
    return [...this.byType.keys()] as ResourceTypeUrl[];
  }
}

const EMPTY: ResourceMap = new Map();

/** A content version for a set of (name, version) pairs: what SotW puts in version_info. */
export function setVersion(resources: Iterable<EncodedResource>): string {
  return hashParts([...resources].map((r) => `${r.name}\0${r.version}`).sort());
}

function changeBetween(from: ResourceMap, to: ResourceMap): TypeChange {
  const changed: EncodedResource[] = [];
  let kept = 0;
  for (const [name, r] of to) {
    const old = from.get(name);
    if (old) kept++;
    if (old !== r) changed.push(r);
  }
  return { from, changed, sameNames: kept === from.size && kept === to.size };
}

/** setVersion for resources already in name order (a snapshot's maps): the same value, without the sort. */
function sortedSetVersion(resources: Iterable<EncodedResource>): string {
  const parts: string[] = [];
  for (const r of resources) parts.push(`${r.name}\0${r.version}`);
  return hashParts(parts);
}

function hashParts(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 16);
}
