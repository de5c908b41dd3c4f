import { createHash } from 'node:crypto';
import type { ResourceTypeUrl } from '../proto/type-urls';
import type { EncodedResource } from './encoded-resource';

export type ResourceMap = ReadonlyMap<string, EncodedResource>;

/** One proxy group's complete resource set at one version. Immutable. */
export class Snapshot {
  readonly version: string;
  /** setVersion of each type's whole set: what every wildcard stream answers with. */
  private readonly typeVersions = new Map<string, string>();

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
      const inherited = previous && previous.byType.get(typeUrl) === map ? previous.typeVersions.get(typeUrl) : undefined;
      const v = inherited ?? sortedSetVersion(map.values());
      this.typeVersions.set(typeUrl, v);
      parts.push(`${typeUrl}\0${v}\n`);
    }
    this.version = createHash('sha256').update(parts.join('')).digest('base64url').slice(0, 16);
  }

  resources(typeUrl: string): ResourceMap {
    return this.byType.get(typeUrl) ?? EMPTY;
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

/** setVersion for resources already in name order (a snapshot's maps): the same value, without the sort. */
function sortedSetVersion(resources: Iterable<EncodedResource>): string {
  const parts: string[] = [];
  for (const r of resources) parts.push(`${r.name}\0${r.version}`);
  return hashParts(parts);
}

function hashParts(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 16);
}
