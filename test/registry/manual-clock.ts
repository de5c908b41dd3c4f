// A clock that only moves when a test says so, firing due timers in deadline order.
import type { Clock } from '../../src/registry/clock';

interface Timer {
  at: number;
  callback: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private timers: Timer[] = [];

  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): () => void {
    const timer: Timer = { at: this.current + Math.max(0, delayMs), callback, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Timers set and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.timers = this.timers.filter((timer) => !timer.cancelled);
      const due = this.timers.filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.current = Math.max(this.current, due.at);
      due.cancelled = true;
      due.callback();
    }
    this.current = target;
  }
}
