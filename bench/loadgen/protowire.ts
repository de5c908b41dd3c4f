// Just enough of the protobuf wire format to read xDS envelopes without decoding the resources
// inside them: a simulated proxy must stay cheap enough that thousands run on one core, so it
// reads the fields it acts on (versions, nonces, names) and skips everything else by length.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export interface Field {
  readonly number: number;
  readonly wireType: number;
  /** The varint's value (wire type 0). */
  readonly varint: number;
  /** Start and end of a length-delimited value (wire type 2) within the buffer. */
  readonly start: number;
  readonly end: number;
}

function readVarint(buf: Buffer, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    // Numbers past 2^53 lose precision, which no field read here (lengths, enums, tags) reaches.
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
    if (shift > 63) throw new Error('varint too long');
  }
}

/** Calls `visit` for each top-level field of a message spanning buf[start, end); a visit returning true stops the walk. */
export function forEachField(buf: Buffer, visit: (f: Field) => boolean | void, start = 0, end = buf.length): void {
  let pos = start;
  let stop: boolean | void = false;
  while (pos < end && !stop) {
    const [tag, afterTag] = readVarint(buf, pos);
    const number = Math.floor(tag / 8);
    const wireType = tag & 7;
    pos = afterTag;
    switch (wireType) {
      case WIRE_VARINT: {
        const [v, next] = readVarint(buf, pos);
        stop = visit({ number, wireType, varint: v, start: pos, end: next });
        pos = next;
        break;
      }
      case WIRE_LEN: {
        const [len, next] = readVarint(buf, pos);
        if (next + len > end) throw new Error(`field ${number} overruns its message`);
        stop = visit({ number, wireType, varint: 0, start: next, end: next + len });
        pos = next + len;
        break;
      }
      case WIRE_I64:
        pos += 8;
        break;
      case WIRE_I32:
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType} in field ${number}`);
    }
  }
  if (!stop && pos !== end) throw new Error('message overruns its bounds');
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

// --- writing (requests are small and few: one per response) ---

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

export class MessageWriter {
  private readonly parts: Buffer[] = [];

  bytes(number: number, value: Buffer): this {
    this.parts.push(Buffer.from([...varint(number * 8 + WIRE_LEN), ...varint(value.length)]), value);
    return this;
  }

  varint(number: number, value: number): this {
    this.parts.push(Buffer.from([...varint(number * 8 + WIRE_VARINT), ...varint(value)]));
    return this;
  }

  string(number: number, value: string | undefined): this {
    return value ? this.bytes(number, Buffer.from(value, 'utf8')) : this;
  }

  strings(number: number, values: Iterable<string>): this {
    for (const v of values) this.bytes(number, Buffer.from(v, 'utf8'));
    return this;
  }

  message(number: number, value: MessageWriter | undefined): this {
    return value ? this.bytes(number, value.finish()) : this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
