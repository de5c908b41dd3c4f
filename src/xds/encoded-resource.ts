import { createHash } from 'node:crypto';
import { TYPE_PREFIX } from '../proto/type-urls';
import type { NamedResource } from './resource-set';
import { SplicingEncoder } from './spliced-encoding';
import { DeltaResponseField, DiscoveryResponseField, ResourceField, encodeAny, lengthDelimited, stringField } from './wire';

/**
 * A resource encoded once. Its version is a hash of its bytes, so an unchanged resource keeps
 * its version across snapshots, replicas and restarts, and the envelope entries built from it
 * are shared by every stream that sends it.
 */
export class EncodedResource {
  readonly version: string;
  private sotw?: Buffer;
  private delta?: Buffer;

  constructor(
    readonly typeUrl: string,
    readonly name: string,
    readonly bytes: Buffer,
  ) {
    this.version = createHash('sha256').update(typeUrl).update('\0').update(bytes).digest('base64url').slice(0, 16);
  }

  /** The DiscoveryResponse `resources` entry: tag, length and the Any. */
  get sotwEntry(): Buffer {
    this.sotw ??= lengthDelimited(DiscoveryResponseField.resources, encodeAny(this.typeUrl, this.bytes));
    return this.sotw;
  }

  /** The DeltaDiscoveryResponse `resources` entry: tag, length and the Resource wrapper. */
  get deltaEntry(): Buffer {
    this.delta ??= lengthDelimited(
      DeltaResponseField.resources,
      Buffer.concat([
        stringField(ResourceField.version, this.version),
        lengthDelimited(ResourceField.resource, encodeAny(this.typeUrl, this.bytes)),
        stringField(ResourceField.name, this.name),
      ]),
    );
    return this.delta;
  }
}

/**
 * Encodes translation output, reusing work two ways: a message object seen before (translators
 * share objects between proxy groups) is not encoded again, and identical bytes resolve to one
 * EncodedResource so a thousand groups holding the same cluster hold one copy of it.
 */
export class ResourceEncoder {
  private readonly byMessage = new WeakMap<object, EncodedResource>();
  private readonly byContent = new Map<string, WeakRef<EncodedResource>>();
  private readonly reaper = new FinalizationRegistry<string>((key) => {
    const ref = this.byContent.get(key);
    if (ref && ref.deref() === undefined) this.byContent.delete(key);
  });
  private readonly splicer = new SplicingEncoder();
  encodeCount = 0;

  encode(typeUrl: string, resource: NamedResource): EncodedResource {
    const known = this.byMessage.get(resource.message);
    if (known && known.name === resource.name && known.typeUrl === typeUrl) return known;
    const bytes = this.splicer.encode(typeUrl.slice(TYPE_PREFIX.length), resource.message);
    this.encodeCount++;
    const fresh = new EncodedResource(typeUrl, resource.name, bytes);
    const key = `${typeUrl}\0${resource.name}\0${fresh.version}`;
    const shared = this.byContent.get(key)?.deref();
    const result = shared ?? fresh;
    if (!shared) {
      this.byContent.set(key, new WeakRef(fresh));
      this.reaper.register(fresh, key);
    }
    this.byMessage.set(resource.message, result);
    return result;
  }
}
