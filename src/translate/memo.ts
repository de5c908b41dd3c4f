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

/** What is known for one anchor object: pieces by slot and variant, and deeper anchors. */
interface AnchorNode {
  readonly pieces: Map<string, Map<string, Piece>>;
  next?: WeakMap<object, AnchorNode>;
}

export class TranslationMemo {
  private readonly roots = new WeakMap<object, AnchorNode>();
  hits = 0;
  misses = 0;

  /**
   * The piece built from `anchors` (objects, by identity), in `slot` (a constant naming what is
   * built) for `variant` (everything else the builder reads; a string reused across calls, so
   * its hash is computed once). Built by `build` on first use.
   */
  get<T>(ctx: TranslateContext, anchors: readonly object[], slot: string, variant: string, build: () => T): T {
    let level = this.roots;
    let node: AnchorNode | undefined;
    for (const anchor of anchors) {
      node = level.get(anchor);
      if (!node) {
        node = { pieces: new Map() };
        level.set(anchor, node);
      }
      level = node.next ??= new WeakMap();
    }
    if (!node) throw new Error('a memoized piece needs at least one anchor');
    let bySlot = node.pieces.get(slot);
    if (!bySlot) {
      bySlot = new Map();
      node.pieces.set(slot, bySlot);
    }
    const known = bySlot.get(variant);
    if (known) {
      this.hits++;
      ctx.warnings.replay(known.warnings);
      return known.value as T;
    }
    this.misses++;
    const { value, warnings } = ctx.warnings.recording(build);
    bySlot.set(variant, { value, warnings });
    return value;
  }
}

/** Runs `build` once per anchors, slot and variant when the translation has a memo, else every time. */
export function memoized<T>(ctx: TranslateContext, anchors: readonly object[], slot: string, variant: string, build: () => T): T {
  return ctx.memo ? ctx.memo.get(ctx, anchors, slot, variant, build) : build();
}
