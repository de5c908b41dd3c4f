// A fresh xDS harness for every test of a file, with the raw clients it opened closed after
// each: the set-up the protocol test files share.
import { afterEach, beforeEach } from 'vitest';
import { deltaClient, sotwClient, type DeltaClient, type SotwClient } from './ads-client';
import { startHarness, type Harness } from './xds-harness';

export interface HarnessPerTest {
  /** The current test's harness. */
  readonly h: Harness;
  sotw(): SotwClient;
  delta(): DeltaClient;
}

export function harnessPerTest(setup?: (h: Harness) => void): HarnessPerTest {
  let current: Harness | undefined;
  let clients: Array<{ close(): void }> = [];
  beforeEach(async () => {
    current = await startHarness();
    setup?.(current);
  });
  afterEach(async () => {
    for (const c of clients) c.close();
    clients = [];
    await current?.stop();
  });
  const track = <C extends { close(): void }>(c: C): C => {
    clients.push(c);
    return c;
  };
  return {
    get h(): Harness {
      if (!current) throw new Error('the harness runs only inside a test');
      return current;
    },
    sotw: () => track(sotwClient(current!.address)),
    delta: () => track(deltaClient(current!.address)),
  };
}
