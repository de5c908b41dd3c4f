import { DURATION_EXAMPLES, parseDuration } from '../util/durations';
import { UsageError } from './io';

/** A duration flag (`250ms`, `2s`, `1m`, `720h`) in milliseconds; a usage error naming the flag otherwise. */
export function parseDurationFlag(value: string, flag: string): number {
  const parsed = parseDuration(value.trim());
  if (!parsed.ok) throw new UsageError(`--${flag}: expected a duration such as ${DURATION_EXAMPLES}, got "${value}" (${parsed.reason})`);
  return parsed.ms;
}
