import { createHash } from 'node:crypto';
import type { ResourceTypeUrl } from '../proto/type-urls';
import type { EncodedResource } from './encoded-resource';

export type ResourceMap = ReadonlyMap<string, EncodedResource>;

/** One proxy group's complete resource set at one version. Immutable. */
export class Snapshot {
  readonly version: string;

  constructor(
    private readonly byType: ReadonlyMap<string, ResourceMap>,
    /** Epoch ms of the upstream change that produced it (registry write, config reload). */
    readonly changedAt: number,
  ) {
    // One digest update over a joined string: thousands of small native calls per snapshot cost
    // more than the hashing itself.
    const parts: string[] = [];
    for (const typeUrl of [...byType.keys()].sort()) {
      parts.push(typeUrl);
      for (const [name, r] of byType.get(typeUrl) ?? new Map<string, EncodedResource>()) parts.push(`\0${name}\0${r.version}`);
      parts.push('\n');
    }
    const hash = createHash('sha256').update(parts.join(''));
    this.version = hash.digest('base64url').slice(0, 16);
  }

  resources(typeUrl: string): ResourceMap {
    return this.byType.get(typeUrl) ?? EMPTY;
  }

  private readonly typeVersions = new Map<string, string>();

  /** setVersion of a type's whole set, computed once: every wildcard stream answers with it. */
  typeVersion(typeUrl: string): string {
    let v = this.typeVersions.get(typeUrl);
    if (v === undefined) {
      v = setVersion(this.resources(typeUrl).values());
      this.typeVersions.set(typeUrl, v);
    }
    return v;
  }

  typeUrls(): ResourceTypeUrl[] {
    return [...this.byType.keys()] as ResourceTypeUrl[];
  }
}

const EMPTY: ResourceMap = new Map();

/** A content version for a set of (name, version) pairs: what SotW puts in version_info. */
export function setVersion(resources: Iterable<EncodedResource>): string {
  const parts = [...resources].map((r) => `${r.name}\0${r.version}`).sort();
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 16);
}
