import type { ResourceTypeUrl } from '../proto/type-urls';

/**
 * One xDS resource as translation produces it: a plain object in @grpc/proto-loader's
 * input shape (snake_case field names, enums as strings, durations as {seconds, nanos},
 * nested typed configs already packed as {type_url, value}). The xds cache encodes it once.
 * Objects must be treated as immutable once returned: the cache memoises encodings by identity.
 */
export interface NamedResource {
  readonly name: string;
  readonly message: object;
}

/** Everything one kind of proxy should hold, by type URL. */
export type ResourceSet = Readonly<Record<ResourceTypeUrl, readonly NamedResource[]>>;
