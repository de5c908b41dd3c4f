// SotW requests with many resource names keep those names as bytes. Envoy repeats every name it
// subscribes to in every request of a type (each EDS ACK names all its clusters, a thousand in a
// large mesh), and almost always the same ones; a stream compares the bytes with its previous
// request's and decodes names only when they differ, instead of building a thousand strings per ACK.
import type { DiscoveryRequest__Output } from '../generated/envoy/service/discovery/v3/DiscoveryRequest';
import { decodeMessage } from '../proto/codec';

export interface SotwDiscoveryRequest extends DiscoveryRequest__Output {
  /**
   * The resource_names entries exactly as they arrived (tags and lengths included), when there
   * were many; `resource_names` is then empty and requestNames() reads these.
   */
  readonly namesBytes?: Buffer;
}

const REQUEST_TYPE = 'envoy.service.discovery.v3.DiscoveryRequest';
const RESOURCE_NAMES_FIELD = 3;
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;
/** Below this many names, decoding them is cheaper than keeping the bytes. */
const DEFER_AT = 16;

function readVarint(buf: Buffer, pos: number): [number, number] {
  let value = 0;
  for (let shift = 0; shift < 64; shift += 7) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
  }
  throw new Error('varint too long');
}

/** Each top-level length-delimited field 3 (resource_names) as [entry start, value start, end]. */
function nameEntries(buf: Buffer): Array<[number, number, number]> {
  const entries: Array<[number, number, number]> = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    const wireType = tag & 7;
    pos = afterTag;
    if (wireType === WIRE_VARINT) pos = readVarint(buf, pos)[1];
    else if (wireType === WIRE_I64) pos += 8;
    else if (wireType === WIRE_I32) pos += 4;
    else if (wireType === WIRE_LEN) {
      const [len, afterLen] = readVarint(buf, pos);
      pos = afterLen + len;
      if (Math.floor(tag / 8) === RESOURCE_NAMES_FIELD) entries.push([start, afterLen, pos]);
    } else throw new Error(`unsupported wire type ${wireType}`);
    if (pos > buf.length) throw new Error('field overruns the message');
  }
  return entries;
}

/** Decodes a DiscoveryRequest; throws on malformed bytes. */
export function decodeSotwRequest(bytes: Buffer): SotwDiscoveryRequest {
  const entries = nameEntries(bytes);
  const contiguous = entries.every((e, i) => i === 0 || e[0] === entries[i - 1]![2]);
  if (entries.length < DEFER_AT || !contiguous) return decodeMessage<DiscoveryRequest__Output>(REQUEST_TYPE, bytes);
  const start = entries[0]![0];
  const end = entries[entries.length - 1]![2];
  const rest = decodeMessage<DiscoveryRequest__Output>(REQUEST_TYPE, Buffer.concat([bytes.subarray(0, start), bytes.subarray(end)]));
  return Object.assign(rest, { namesBytes: bytes.subarray(start, end) });
}

/** The names in a namesBytes run. */
export function namesFromBytes(run: Buffer): string[] {
  return nameEntries(run).map(([, from, to]) => run.toString('utf8', from, to));
}
