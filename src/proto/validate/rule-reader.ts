// Reads one rule message (e.g. the `string` part of FieldRules) out of protobufjs's parsed
// options, remembering which keys were understood so that every other key is reported as
// unchecked instead of being ignored.
import type { CompileContext } from './rule-types';
import { isPlainObject } from './problems';

export class RuleReader {
  private readonly used = new Set<string>();

  constructor(
    readonly kind: string,
    private readonly rules: Record<string, unknown>,
    private readonly ctx: CompileContext,
  ) {}

  has(key: string): boolean {
    return this.rules[key] !== undefined;
  }

  get(key: string): unknown {
    this.used.add(key);
    return this.rules[key];
  }

  bool(key: string): boolean {
    return this.get(key) === true;
  }

  /** A non-negative count such as min_len; counts are uint64 in PGV but always small. */
  count(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    this.ctx.unchecked(`${this.kind}.${key}`, `unreadable value ${JSON.stringify(v)}`);
    return undefined;
  }

  /** Repeated rule values: protobufjs gives a scalar when the list has one element. */
  list(key: string): unknown[] {
    const v = this.get(key);
    if (v === undefined) return [];
    return Array.isArray(v) ? v : [v];
  }

  record(key: string): Record<string, unknown> | undefined {
    const v = this.get(key);
    return isPlainObject(v) ? v : undefined;
  }

  /** Reports every key that no get() asked for. Call once, after reading. */
  finish(): void {
    for (const key of Object.keys(this.rules)) {
      if (!this.used.has(key)) this.ctx.unchecked(`${this.kind}.${key}`);
    }
  }

  /** The rule name for a violation, e.g. `string.min_len`. */
  name(key: string): string {
    return `${this.kind}.${key}`;
  }

  unchecked(key: string, reason: string): void {
    this.ctx.unchecked(`${this.kind}.${key}`, reason);
  }
}
