// Durations: the mesh file and flags write them as strings with units (`250ms`, `2s`, `1m`, `1h`, `1.5s`, `1m30s`),
// as in Istio and Go; the model keeps whole milliseconds so later stages do plain arithmetic.
import type { Duration } from '../generated/google/protobuf/Duration';

export type DurationParse = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

// `ms` must come before `m` in the alternation or `250ms` would read as 250m + "s".
const PART = /(\d+)(?:\.(\d+))?(ms|s|m|h)/y;

export const DURATION_EXAMPLES = '250ms, 2s, 1.5s, 1m or 1h';

export function parseDuration(text: string): DurationParse {
  if (text.trim() === '') return { ok: false, reason: 'is empty' };
  if (text.startsWith('-')) return { ok: false, reason: 'is negative' };
  if (/^\d+(\.\d+)?$/.test(text)) {
    return { ok: false, reason: `has no unit; write ${text}s or ${text}ms` };
  }
  let total = 0;
  let offset = 0;
  PART.lastIndex = 0;
  while (offset < text.length) {
    PART.lastIndex = offset;
    const part = PART.exec(text);
    if (!part) return { ok: false, reason: `is not a duration like ${DURATION_EXAMPLES}` };
    const [, whole, fraction = '', unit] = part;
    // Exact decimal arithmetic: 1.1s must be 1100ms, not 1100.0000000000002.
    const scale = 10 ** fraction.length;
    const scaled = (Number(whole) * scale + Number(fraction || '0')) * UNIT_MS[unit];
    if (scaled % scale !== 0) {
      return { ok: false, reason: 'is finer than a millisecond, the smallest unit the mesh uses' };
    }
    total += scaled / scale;
    offset = PART.lastIndex;
  }
  if (!Number.isSafeInteger(total)) return { ok: false, reason: 'is too long' };
  return { ok: true, ms: total };
}

/** The shortest exact spelling of a millisecond count, for messages. */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** xDS wants google.protobuf.Duration. */
/** A Duration for `ms` milliseconds: whole seconds plus the remainder in nanoseconds. */
export function durationFromMs(ms: number): Duration {
  const whole = Math.floor(ms);
  const seconds = Math.floor(whole / 1000);
  const nanos = (whole % 1000) * 1_000_000;
  // Leave nanos out when zero so the rendered form stays short ({seconds: 2}, not {seconds: 2, nanos: 0}).
  return nanos === 0 ? { seconds } : { seconds, nanos };
}
