// Per-target pieces of translation kept across proxy groups and mesh states. In a full mesh of
// N services every one of N groups needs the same N clusters, endpoint sets and virtual hosts;
// building each once (and handing every group the same objects) is what lets the encoder and
// the validator, which remember objects they have seen, do their work once per target instead
// of once per group. A piece is keyed by the identity of the inputs it is built from (a
// service's policy object, its instance list) plus a string for everything else it reads from
// the context (the consumer kind, the security hooks' upstream variant). Inputs are weakly
// held, so pieces die with the mesh states that produced them.
import type { TranslateContext } from './context';

interface Piece {
  readonly value: unknown;
  /** Warnings the builder reported, replayed into every translation that reuses the piece. */
  readonly warnings: readonly string[];
}

export class TranslationMemo {
  private readonly pieces = new WeakMap<object, Map<string, Piece>>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  hits = 0;
  misses = 0;

  /** A stable number for an object, for keys that name a second input besides the anchor. */
  idOf(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }

  get<T>(ctx: TranslateContext, anchor: object, key: string, build: () => T): T {
    let byKey = this.pieces.get(anchor);
    if (!byKey) {
      byKey = new Map();
      this.pieces.set(anchor, byKey);
    }
    const known = byKey.get(key);
    if (known) {
      this.hits++;
      ctx.warnings.replay(known.warnings);
      return known.value as T;
    }
    this.misses++;
    const { value, warnings } = ctx.warnings.recording(build);
    byKey.set(key, { value, warnings });
    return value;
  }
}

/** Runs `build` once per anchor and key when the translation has a memo, else every time. */
export function memoized<T>(ctx: TranslateContext, anchor: object, key: string, build: () => T): T {
  return ctx.memo ? ctx.memo.get(ctx, anchor, key, build) : build();
}
