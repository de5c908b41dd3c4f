// Pending TTL deadlines, earliest first, so the store needs one timer for all instances.
// Each key keeps at most one live deadline: a later deadline is found by re-checking the
// instance when the earlier one fires, so heartbeats never touch the queue.

interface Entry {
  readonly at: number;
  readonly key: string;
}

export class DeadlineQueue {
  private readonly heap: Entry[] = [];
  /** key → its live deadline; heap entries that disagree are stale and skipped. */
  private readonly live = new Map<string, number>();

  /** Schedules `key` at `at` unless it is already due no later than that. */
  schedule(key: string, at: number): void {
    const current = this.live.get(key);
    if (current !== undefined && current <= at) return;
    this.live.set(key, at);
    this.push({ at, key });
  }

  /** The earliest live deadline, if any. */
  next(): number | undefined {
    this.dropStaleTop();
    return this.heap[0]?.at;
  }

  /** Removes and returns every key due at or before `now`. */
  takeDue(now: number): string[] {
    const due: string[] = [];
    for (;;) {
      this.dropStaleTop();
      const top = this.heap[0];
      if (top === undefined || top.at > now) return due;
      this.pop();
      this.live.delete(top.key);
      due.push(top.key);
    }
  }

  clear(): void {
    this.heap.length = 0;
    this.live.clear();
  }

  get size(): number {
    return this.live.size;
  }

  private dropStaleTop(): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || this.live.get(top.key) === top.at) return;
      this.pop();
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= heap[i]!.at) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && heap[left]!.at < heap[smallest]!.at) smallest = left;
      if (right < heap.length && heap[right]!.at < heap[smallest]!.at) smallest = right;
      if (smallest === i) return;
      [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
      i = smallest;
    }
  }
}
