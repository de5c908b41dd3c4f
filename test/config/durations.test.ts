import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/util/durations';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['1.1s', 1_100],
    ['0.25m', 15_000],
    ['1m30s', 90_000],
    ['1h0m0.5s', 3_600_500],
    ['0s', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each([
    ['', 'is empty'],
    ['5', 'has no unit; write 5s or 5ms'],
    ['-1s', 'is negative'],
    ['1.5ms', 'finer than a millisecond'],
    ['10us', 'is not a duration'],
    ['2 s', 'is not a duration'],
    ['s', 'is not a duration'],
    ['1d', 'is not a duration'],
    ['.5s', 'is not a duration'],
  ])('rejects %j: %s', (text, reason) => {
    const parsed = parseDuration(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it.each([
    [90_000, '90s'],
    [3_600_000, '1h'],
    [120_000, '2m'],
    [1_500, '1500ms'],
    [0, '0ms'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
