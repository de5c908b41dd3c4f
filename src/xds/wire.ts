// Just enough protobuf wire format to assemble DiscoveryResponse and DeltaDiscoveryResponse
// envelopes around resources that were encoded once. Re-encoding resources per stream is the
// cost this file exists to avoid: an envelope is a concatenation of prepared byte runs.

const WIRE_TYPE_LEN = 2;

export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/** A length-delimited field (tag, length, bytes) as one Buffer. */
export function lengthDelimited(fieldNumber: number, payload: Buffer): Buffer {
  const tag = (fieldNumber << 3) | WIRE_TYPE_LEN;
  const out = Buffer.allocUnsafe(varintSize(tag) + varintSize(payload.length) + payload.length);
  let offset = writeVarint(out, 0, tag);
  offset = writeVarint(out, offset, payload.length);
  payload.copy(out, offset);
  return out;
}

export function stringField(fieldNumber: number, value: string): Buffer {
  return value === '' ? Buffer.alloc(0) : lengthDelimited(fieldNumber, Buffer.from(value, 'utf8'));
}

// Field numbers from envoy/service/discovery/v3/discovery.proto and google/protobuf/any.proto.
export const AnyField = { typeUrl: 1, value: 2 } as const;
export const DiscoveryResponseField = { versionInfo: 1, resources: 2, typeUrl: 4, nonce: 5, controlPlane: 6 } as const;
export const DeltaResponseField = { systemVersionInfo: 1, resources: 2, typeUrl: 4, nonce: 5, removedResources: 6, controlPlane: 7 } as const;
export const ResourceField = { version: 1, resource: 2, name: 3 } as const;
export const ControlPlaneField = { identifier: 1 } as const;

export function encodeAny(typeUrl: string, value: Buffer): Buffer {
  return Buffer.concat([stringField(AnyField.typeUrl, typeUrl), lengthDelimited(AnyField.value, value)]);
}

export interface SotwEnvelope {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** Pre-encoded `resources` entries (tag + length + Any). */
  resourceEntries: readonly Buffer[];
  /** Pre-encoded control_plane field, shared by every response of a server. */
  controlPlane: Buffer;
}

export function encodeDiscoveryResponse(e: SotwEnvelope): Buffer {
  return Buffer.concat([
    stringField(DiscoveryResponseField.versionInfo, e.versionInfo),
    ...e.resourceEntries,
    stringField(DiscoveryResponseField.typeUrl, e.typeUrl),
    stringField(DiscoveryResponseField.nonce, e.nonce),
    e.controlPlane,
  ]);
}

export interface DeltaEnvelope {
  systemVersionInfo: string;
  typeUrl: string;
  nonce: string;
  /** Pre-encoded `resources` entries (tag + length + Resource). */
  resourceEntries: readonly Buffer[];
  removedResources: readonly string[];
  controlPlane: Buffer;
}

export function encodeDeltaDiscoveryResponse(e: DeltaEnvelope): Buffer {
  return Buffer.concat([
    stringField(DeltaResponseField.systemVersionInfo, e.systemVersionInfo),
    ...e.resourceEntries,
    stringField(DeltaResponseField.typeUrl, e.typeUrl),
    stringField(DeltaResponseField.nonce, e.nonce),
    ...e.removedResources.map((name) => lengthDelimited(DeltaResponseField.removedResources, Buffer.from(name, 'utf8'))),
    e.controlPlane,
  ]);
}

export function encodeControlPlane(fieldNumber: number, identifier: string): Buffer {
  return lengthDelimited(fieldNumber, stringField(ControlPlaneField.identifier, identifier));
}
