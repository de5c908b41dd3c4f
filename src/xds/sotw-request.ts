// SotW requests with many resource names keep those names as bytes. Envoy repeats every name it
// subscribes to in every request of a type (each EDS ACK names all its clusters, a thousand in a
// large mesh), and almost always the same ones; a stream compares the bytes with its previous
// request's and decodes names only when they differ, instead of building a thousand strings per ACK.
import type { DiscoveryRequest__Output } from '../generated/envoy/service/discovery/v3/DiscoveryRequest';
import { Reader } from 'protobufjs';
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
const WIRE_LEN = 2;
/** Below this many names, decoding them is cheaper than keeping the bytes. */
const DEFER_AT = 16;

/** Each top-level field 3 (resource_names) as [entry start, value start, end]; throws on malformed bytes. */
function nameEntries(buf: Buffer): Array<[number, number, number]> {
  const entries: Array<[number, number, number]> = [];
  const r = Reader.create(buf);
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag >>> 3 === RESOURCE_NAMES_FIELD && (tag & 7) === WIRE_LEN) {
      const len = r.uint32();
      const from = r.pos;
      r.skip(len);
      entries.push([start, from, r.pos]);
    } else {
      r.skipType(tag & 7);
    }
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

/** How many names a namesBytes run holds, without decoding them. */
export function countNames(run: Buffer): number {
  return nameEntries(run).length;
}
