import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../src/registry/deadline-queue';

describe('DeadlineQueue', () => {
  it('returns due keys earliest first and keeps only the earliest deadline per key', () => {
    const queue = new DeadlineQueue();
    queue.schedule('b', 30);
    queue.schedule('a', 10);
    queue.schedule('c', 20);
    queue.schedule('b', 5); // moved earlier
    queue.schedule('a', 50); // later than its current deadline: ignored
    expect(queue.size).toBe(3);
    expect(queue.next()).toBe(5);
    expect(queue.takeDue(15)).toEqual(['b', 'a']);
    expect(queue.next()).toBe(20);
    expect(queue.takeDue(100)).toEqual(['c']);
    expect(queue.next()).toBeUndefined();
  });

  it('orders many random deadlines', () => {
    const queue = new DeadlineQueue();
    const deadlines = Array.from({ length: 1000 }, (_, i) => [`k${i}`, Math.floor(Math.random() * 10_000)] as const);
    for (const [key, at] of deadlines) queue.schedule(key, at);
    const expected = [...deadlines].sort((x, y) => x[1] - y[1]).map(([, at]) => at);
    const byKey = new Map<string, number>(deadlines);
    const taken = queue.takeDue(10_000).map((key) => byKey.get(key)!);
    expect(taken).toEqual(expected);
  });
});
