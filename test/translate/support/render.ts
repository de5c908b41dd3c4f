// Resources as the wire carries them, made readable: each message is encoded with the Envoy
// protos, decoded again and every Any expanded, so a golden file shows what a proxy would get
// (a field protobufjs dropped while encoding would be missing here, not silently present).
import { decodeMessage, encodeMessage, expandAnys } from '../../../src/proto/codec';
import { TypeUrl, type ResourceTypeUrl } from '../../../src/proto/type-urls';
import type { ResourceSet } from '../../../src/xds/resource-set';

export const TYPE_ORDER: readonly { typeUrl: ResourceTypeUrl; key: string }[] = [
  { typeUrl: TypeUrl.Listener, key: 'listeners' },
  { typeUrl: TypeUrl.RouteConfiguration, key: 'routeConfigurations' },
  { typeUrl: TypeUrl.Cluster, key: 'clusters' },
  { typeUrl: TypeUrl.ClusterLoadAssignment, key: 'clusterLoadAssignments' },
  { typeUrl: TypeUrl.Secret, key: 'secrets' },
];

export function typeNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

export function encodeResource(typeUrl: string, message: object): Buffer {
  return encodeMessage(typeNameOf(typeUrl), message);
}

/** The decoded form with defaults left out and Anys expanded, as Envoy's config_dump shows it. */
export function decodeReadable(typeUrl: string, bytes: Buffer): unknown {
  const decoded = decodeMessage(typeNameOf(typeUrl), bytes, { longs: String, enums: String, bytes: Buffer, defaults: false, oneofs: false });
  return expandAnys(decoded);
}

export function readableResourceSet(resources: ResourceSet): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const { typeUrl, key } of TYPE_ORDER) {
    const list = resources[typeUrl];
    if (list.length === 0) continue;
    out[key] = list.map((r) => decodeReadable(typeUrl, encodeResource(typeUrl, r.message)));
  }
  return out;
}
