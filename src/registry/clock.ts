// Time is injected so TTL behaviour can be tested without waiting for real seconds.

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `callback` once after `delayMs`; returns a function that cancels it. */
  setTimer(callback: () => void, delayMs: number): () => void;
}

// setTimeout silently fires at once for delays above 2^31-1 ms; later deadlines re-arm.
const MAX_TIMER_DELAY_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS));
    // Expiry housekeeping must never be the thing that keeps a process alive.
    timer.unref();
    return () => clearTimeout(timer);
  },
};
