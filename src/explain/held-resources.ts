// What a proxy holds, in the readable form config dumps use (defaults left out, every Any
// expanded with its `@type`). Explain reads this form whether the resources come from a live
// stream (what was actually sent) or, in tests, from a translation encoded and decoded the same way.
import { decodeMessage, expandAnys } from '../proto/codec';
import type { SentResources } from '../xds/stream-status';

/** A decoded resource. Fields are the proto's snake_case names; nested Anys carry `@type`. */
export type Readable = { readonly [field: string]: unknown };

export interface HeldResource {
  readonly name: string;
  readonly version?: string;
  readonly resource: Readable;
}

/** By type URL. */
export type HeldResources = ReadonlyMap<string, readonly HeldResource[]>;

export function decodeReadable(typeUrl: string, bytes: Uint8Array): Readable {
  return expandAnys(decodeMessage(typeUrl, bytes, { longs: String, enums: String, bytes: Buffer, defaults: false, oneofs: false })) as Readable;
}

export function heldFromSent(sent: SentResources): HeldResources {
  const out = new Map<string, HeldResource[]>();
  for (const [typeUrl, list] of sent)
    out.set(
      typeUrl,
      list.map((r) => ({ name: r.name, version: r.version, resource: decodeReadable(typeUrl, r.bytes) })),
    );
  return out;
}

/** Merges several streams' resources (a proxy with one stream per type). */
export function mergeHeld(all: readonly HeldResources[]): HeldResources {
  const out = new Map<string, HeldResource[]>();
  for (const held of all) for (const [t, list] of held) out.set(t, [...(out.get(t) ?? []), ...list]);
  return out;
}

// Small typed readers over the readable form: the resources are proto messages decoded to plain
// objects, so each access checks the shape it expects instead of trusting a cast.
export function obj(value: unknown): Readable | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Readable) : undefined;
}
export function list(value: unknown): Readable[] {
  return Array.isArray(value) ? value.map(obj).filter((v): v is Readable => v !== undefined) : [];
}
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
/** A number, or a wrapper such as UInt32Value ({ value: n }), or a numeric string (uint64). */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  const o = obj(value);
  return o ? num(o.value) : undefined;
}
/** `{seconds, nanos}` as milliseconds. */
export function durationMs(value: unknown): number | undefined {
  const o = obj(value);
  if (!o) return undefined;
  return (num(o.seconds) ?? 0) * 1000 + Math.round((num(o.nanos) ?? 0) / 1e6);
}
