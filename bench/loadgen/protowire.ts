// Reading xDS envelopes without decoding the resources inside them: a simulated proxy must stay
// cheap enough that thousands run on one core, so it walks the fields it acts on (versions,
// nonces, names) with protobufjs's Reader and skips everything else by length.
import { Reader } from 'protobufjs';

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

export interface Field {
  readonly number: number;
  readonly wireType: number;
  /** The varint's value (wire type 0; 32 bits are all a field read here needs). */
  readonly varint: number;
  /** Start and end of a length-delimited value (wire type 2) within the buffer. */
  readonly start: number;
  readonly end: number;
}

/** Calls `visit` for each top-level field of a message spanning buf[start, end); a visit returning true stops the walk. */
export function forEachField(buf: Buffer, visit: (f: Field) => boolean | undefined, start = 0, end = buf.length): void {
  const r = Reader.create(buf);
  r.pos = start;
  r.len = end;
  while (r.pos < end) {
    const tag = r.uint32();
    const number = tag >>> 3;
    const wireType = tag & 7;
    let stop: boolean | undefined = false;
    if (wireType === WIRE_VARINT) {
      const at = r.pos;
      stop = visit({ number, wireType, varint: r.uint32(), start: at, end: r.pos });
    } else if (wireType === WIRE_LEN) {
      const len = r.uint32();
      const from = r.pos;
      r.skip(len);
      stop = visit({ number, wireType, varint: 0, start: from, end: from + len });
    } else {
      r.skipType(wireType);
    }
    if (stop) return;
  }
}

/** The length-delimited values found by descending `path` (field numbers), repeated fields included. */
export function valuesAt(buf: Buffer, path: readonly number[], start = 0, end = buf.length): Array<{ start: number; end: number }> {
  const found: Array<{ start: number; end: number }> = [];
  const [head, ...rest] = path;
  forEachField(
    buf,
    (f) => {
      if (f.number !== head || f.wireType !== WIRE_LEN) return;
      if (rest.length === 0) found.push({ start: f.start, end: f.end });
      else found.push(...valuesAt(buf, rest, f.start, f.end));
    },
    start,
    end,
  );
  return found;
}

export function stringsAt(buf: Buffer, path: readonly number[], start = 0, end = buf.length): string[] {
  return valuesAt(buf, path, start, end).map((v) => buf.toString('utf8', v.start, v.end));
}
