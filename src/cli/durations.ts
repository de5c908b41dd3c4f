import { UsageError } from './io';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `2s`, `1m`, `720h` → milliseconds; a usage error naming the flag otherwise. */
export function parseDurationFlag(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!m) throw new UsageError(`--${flag}: expected a duration like 100ms, 2s, 1m or 720h, got "${value}"`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}
