// Type names and type URLs → protobufjs Types.
import * as protobuf from 'protobufjs';

// Type URL lookups repeat for every Any of every resource; protobufjs's lookup walks the
// namespace tree each time, so remember the answers per Root.
const typeCache = new WeakMap<protobuf.Root, Map<string, protobuf.Type | null>>();

export function resolveMessageType(root: protobuf.Root, name: string): protobuf.Type | undefined {
  let cache = typeCache.get(root);
  if (!cache) {
    cache = new Map();
    typeCache.set(root, cache);
  }
  const cached = cache.get(name);
  if (cached !== undefined) return cached ?? undefined;
  let found: protobuf.Type | null = null;
  if (name !== '') {
    try {
      const result = root.lookup(name.startsWith('.') ? name : `.${name}`);
      if (result instanceof protobuf.Type) found = result;
    } catch {
      // an unparseable name resolves to nothing
    }
  }
  cache.set(name, found);
  return found ?? undefined;
}
