// Encoding for resources that are mostly a long list of parts other resources share. An Envoy
// sidecar's route configuration holds one virtual host per service it may call, and in a mesh
// of N services the same N virtual host objects appear in N callers' route configurations
// (translation shares them). Encoding each part once and splicing its bytes into every resource
// that holds it turns N² work into N.
import type * as protobuf from 'protobufjs';
import { encodeMessage, lookupType } from '../proto/codec';
import { lengthDelimited } from './wire';

interface SplicedField {
  /** The repeated message field whose elements are encoded once each. */
  readonly field: string;
  readonly elementType: string;
}

const SPLICED: Readonly<Record<string, SplicedField>> = {
  'envoy.config.route.v3.RouteConfiguration': { field: 'virtual_hosts', elementType: 'envoy.config.route.v3.VirtualHost' },
};

/**
 * The output is byte-identical to encoding the whole message (tested): protobufjs writes fields
 * in declaration order, so the fields declared before the list, then the list, then the rest.
 */
export class SplicingEncoder {
  /** Element object → its complete field entry (tag, length, bytes). */
  private readonly entries = new WeakMap<object, Buffer>();

  encode(typeName: string, message: object): Buffer {
    const spliced = SPLICED[typeName];
    const list = spliced ? (message as Record<string, unknown>)[spliced.field] : undefined;
    if (!spliced || !Array.isArray(list) || list.length === 0) return encodeMessage(typeName, message);
    const type = lookupType(typeName);
    const field = type.fields[spliced.field]!;
    const position = type.fieldsArray.indexOf(field);
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(message)) {
      if (key === spliced.field) continue;
      const f: protobuf.Field | undefined = type.fields[key];
      (f && type.fieldsArray.indexOf(f) < position ? before : after)[key] = value;
    }
    return Buffer.concat([
      encodeMessage(typeName, before),
      ...list.map((element: object) => this.entry(field.id, spliced.elementType, element)),
      encodeMessage(typeName, after),
    ]);
  }

  private entry(fieldNumber: number, elementType: string, element: object): Buffer {
    let bytes = this.entries.get(element);
    if (!bytes) {
      bytes = lengthDelimited(fieldNumber, encodeMessage(elementType, element));
      this.entries.set(element, bytes);
    }
    return bytes;
  }
}
