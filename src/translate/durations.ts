// The model keeps durations in milliseconds; xDS wants google.protobuf.Duration.
import type { Duration } from '../generated/google/protobuf/Duration';

/** A Duration for `ms` milliseconds: whole seconds plus the remainder in nanoseconds. */
export function durationFromMs(ms: number): Duration {
  const whole = Math.floor(ms);
  const seconds = Math.floor(whole / 1000);
  const nanos = (whole % 1000) * 1_000_000;
  // Leave nanos out when zero so the rendered form stays short ({seconds: 2}, not {seconds: 2, nanos: 0}).
  return nanos === 0 ? { seconds } : { seconds, nanos };
}
