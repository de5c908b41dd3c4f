// Strict decoding. protobufjs's decode skips fields it does not know; Envoy's strict loaders
// do not, and a field number unknown to our protos means we built the bytes wrong. So before
// decoding, the bytes are scanned against the schema: unknown field numbers, wire types that do
// not match the field, and strings that are not UTF-8 are reported with their path.
import { isUtf8 } from 'node:buffer';
import * as protobuf from 'protobufjs';
import { fieldPath, indexPath, keyPath } from './problems';
import type { ProblemSink } from './problems';

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

function wireTypeOf(type: string): number {
  switch (type) {
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return FIXED64;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return FIXED32;
    case 'string':
    case 'bytes':
      return LENGTH_DELIMITED;
    default:
      return VARINT; // int32/64, uint32/64, sint32/64, bool, enums
  }
}

/** Options that turn a decoded message into the proto-loader input shape the walker reads. */
export const DECODED_SHAPE: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: false,
  arrays: false,
  objects: false,
  oneofs: false,
};

/**
 * Scans, then decodes with protobufjs. Returns the message in proto-loader shape, or undefined
 * when the bytes are not a decodable message (the reason is in the sink).
 */
export function decodeStrict(type: protobuf.Type, bytes: Uint8Array, path: string, sink: ProblemSink): Record<string, unknown> | undefined {
  try {
    scan(type, bytes, path, sink);
  } catch (error) {
    sink.add(path, 'decode', `bytes are not a valid ${type.fullName.slice(1)}: ${(error as Error).message}`);
    return undefined;
  }
  try {
    return type.toObject(type.decode(bytes), DECODED_SHAPE);
  } catch (error) {
    sink.add(path, 'decode', `cannot decode ${type.fullName.slice(1)}: ${(error as Error).message}`);
    return undefined;
  }
}

function scan(type: protobuf.Type, bytes: Uint8Array, path: string, sink: ProblemSink): void {
  const reader = protobuf.Reader.create(bytes);
  const seen = new Map<number, number>();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (id === 0) throw new Error(`invalid field number 0 at offset ${reader.pos}`);
    const field = type.fieldsById[id];
    if (!field) {
      sink.add(path, 'decode.unknown_field', `unknown field number ${id} (wire type ${wireType}) for ${type.fullName.slice(1)}`);
      reader.skipType(wireType);
      continue;
    }
    const index = seen.get(id) ?? 0;
    seen.set(id, index + 1);
    const here = field.repeated && !field.map ? indexPath(fieldPath(path, field.name), index) : fieldPath(path, field.name);
    scanField(field, wireType, reader, here, sink);
  }
}

function scanField(field: protobuf.Field, wireType: number, reader: protobuf.Reader, path: string, sink: ProblemSink): void {
  if (field instanceof protobuf.MapField) {
    if (wireType !== LENGTH_DELIMITED) {
      wrongWireType(field, wireType, reader, path, sink);
      return;
    }
    scanMapEntry(field, reader.bytes(), path, sink);
    return;
  }
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    if (wireType !== LENGTH_DELIMITED) {
      wrongWireType(field, wireType, reader, path, sink);
      return;
    }
    scan(resolved, reader.bytes(), path, sink);
    return;
  }
  const expected = wireTypeOf(resolved instanceof protobuf.Enum ? 'enum' : field.type);
  if (wireType === expected) {
    if (field.type === 'string') {
      if (!isUtf8(reader.bytes())) sink.add(path, 'decode.utf8', 'string field is not valid UTF-8');
    } else {
      reader.skipType(wireType);
    }
    return;
  }
  // Repeated numeric fields may arrive packed.
  if (wireType === LENGTH_DELIMITED && field.repeated && expected !== LENGTH_DELIMITED) {
    reader.skipType(wireType);
    return;
  }
  wrongWireType(field, wireType, reader, path, sink);
}

function wrongWireType(field: protobuf.Field, wireType: number, reader: protobuf.Reader, path: string, sink: ProblemSink): void {
  sink.add(path, 'decode.wire_type', `wire type ${wireType} does not match field ${field.name} of type ${field.type}`);
  reader.skipType(wireType);
}

function scanMapEntry(field: protobuf.MapField, entry: Uint8Array, base: string, sink: ProblemSink): void {
  const reader = protobuf.Reader.create(entry);
  let key = '?';
  let valueBytes: Uint8Array | undefined;
  const valueType = field.resolvedType;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (id === 1 && field.keyType === 'string' && wireType === LENGTH_DELIMITED) key = reader.string();
    else if (id === 2 && valueType instanceof protobuf.Type && wireType === LENGTH_DELIMITED) valueBytes = reader.bytes();
    else if (id === 1 || id === 2) {
      const expected = wireTypeOf(id === 1 ? field.keyType : valueType instanceof protobuf.Enum ? 'enum' : field.type);
      if (wireType !== expected) sink.add(base, 'decode.wire_type', `map entry field ${id} has wire type ${wireType}`);
      reader.skipType(wireType);
    } else {
      sink.add(base, 'decode.unknown_field', `unknown field number ${id} in a map entry`);
      reader.skipType(wireType);
    }
  }
  if (valueBytes && valueType instanceof protobuf.Type) scan(valueType, valueBytes, keyPath(base, key), sink);
}
