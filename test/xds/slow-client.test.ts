import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { TEST_NODE, resourceNames, sotwClient } from '../support/ads-client';
import { cluster, resourceSet } from '../support/resources';
import { eventually, startHarness, type Harness } from '../support/xds-harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

describe('a slow client', () => {
  it('does not block other streams, and coalesces versions instead of queueing them all', async () => {
    // ~40 KB per response, so HTTP/2 flow control backs up quickly when the client stops reading.
    const makeSet = (generation: number) =>
      resourceSet({ [TypeUrl.Cluster]: Array.from({ length: 400 }, (_, i) => cluster(`c${i}`, 1 + ((i + generation) % 50))) });
    h.cache.setSnapshot(TEST_NODE.cluster, makeSet(0));
    const slow = sotwClient(h.address);
    const fast = sotwClient(h.address);
    slow.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
    fast.send({ node: { ...TEST_NODE, id: 'fast' }, type_url: TypeUrl.Cluster });
    await slow.inbox.next();
    const fastFirst = await fast.inbox.next();
    fast.ack(fastFirst);
    slow.call.pause();

    const GENERATIONS = 200;
    let fastLatest = fastFirst;
    fast.call.on('data', () => undefined);
    for (let g = 1; g <= GENERATIONS; g++) {
      h.cache.setSnapshot(TEST_NODE.cluster, makeSet(g));
      await new Promise((r) => setImmediate(r));
      if (g % 20 === 0) {
        // The fast client keeps getting each push while the slow one is stalled.
        fastLatest = await fast.inbox.next();
        while (await fast.inbox.quiet(1).then((q) => !q)) fastLatest = await fast.inbox.next();
        fast.ack(fastLatest);
      }
    }
    const finalVersion = h.cache.getSnapshot(TEST_NODE.cluster)!;
    await eventually(
      async () => {
        if ((await fast.inbox.quiet(50)) === false) fastLatest = await fast.inbox.next();
        return resourceNames(fastLatest).length === 400 && h.observer.sent.some((s) => s.version === fastLatest.version_info);
      },
      5000,
      'fast client current',
    );

    slow.call.resume();
    await eventually(() => slow.inbox.count > 1, 5000, 'slow client drained');
    // Let everything drain, then check the slow client got far fewer responses than changes,
    // and that it ends on the latest content.
    let last = await slow.inbox.next();
    while (!(await slow.inbox.quiet(300))) last = await slow.inbox.next();
    expect(slow.inbox.count).toBeLessThan(GENERATIONS / 2);
    const slowStream = h.server.streamsForNode(TEST_NODE.id)[0]!;
    expect(slowStream.status().types[0]!.sentVersion).toBe(last.version_info);
    const expected = [...finalVersion.resources(TypeUrl.Cluster).values()].map((r) => r.version).sort();
    const held = slowStream
      .sentResources()
      .get(TypeUrl.Cluster)!
      .map((r) => r.version)
      .sort();
    expect(held).toEqual(expected);
    slow.close();
    fast.close();
  });
});
