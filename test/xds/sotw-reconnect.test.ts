// A SotW stream that starts by naming the version it already holds (a proxy reconnecting, to
// this server or to another replica computing the same content-hash versions) is not sent
// that version again; anything else still gets its full answer.
import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import { TEST_NODE, resourceNames, type SotwClient } from '../support/ads-client';
import { cluster, endpoints, resourceSet } from '../support/resources';
import { harnessPerTest } from '../support/harness-per-test';

const GROUP = TEST_NODE.cluster;
const env = harnessPerTest((h) =>
  h.cache.setSnapshot(
    GROUP,
    resourceSet({ [TypeUrl.Cluster]: [cluster('a'), cluster('b')], [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [1]), endpoints('b', [2])] }),
  ),
);
const connect = (): SotwClient => env.sotw();

async function heldVersions(): Promise<{ cds: string; eds: string }> {
  const first = connect();
  first.send({ node: TEST_NODE, type_url: TypeUrl.Cluster });
  const cds = await first.inbox.next();
  first.ack(cds);
  first.send({ node: TEST_NODE, type_url: TypeUrl.ClusterLoadAssignment, resource_names: ['a'] });
  const eds = await first.inbox.next();
  first.ack(eds, ['a']);
  first.close();
  return { cds: cds.version_info, eds: eds.version_info };
}

describe('SotW reconnect with the version the proxy holds', () => {
  it('is sent nothing until something changes, then only the changed type', async () => {
    const held = await heldVersions();
    const c = connect();
    c.send({ node: TEST_NODE, type_url: TypeUrl.Cluster, version_info: held.cds });
    c.send({ node: TEST_NODE, type_url: TypeUrl.ClusterLoadAssignment, version_info: held.eds, resource_names: ['a'] });
    expect(await c.inbox.quiet(300)).toBe(true);

    env.h.cache.setSnapshot(
      GROUP,
      resourceSet({ [TypeUrl.Cluster]: [cluster('a'), cluster('b')], [TypeUrl.ClusterLoadAssignment]: [endpoints('a', [1, 3]), endpoints('b', [2])] }),
    );
    const eds = await c.inbox.next();
    expect(eds.type_url).toBe(TypeUrl.ClusterLoadAssignment);
    expect(resourceNames(eds)).toEqual(['a']);
    c.ack(eds, ['a']);
    expect(await c.inbox.quiet(300)).toBe(true);
  });

  it('a version that differs from the current one, or a different subscription, gets the full answer', async () => {
    const held = await heldVersions();
    const stale = connect();
    stale.send({ node: TEST_NODE, type_url: TypeUrl.Cluster, version_info: 'not-the-current-version' });
    expect(resourceNames(await stale.inbox.next())).toEqual(['a', 'b']);
    const widened = connect();
    // Held version of the answer for ['a'], but now asking for ['a', 'b']: a different answer.
    widened.send({ node: TEST_NODE, type_url: TypeUrl.ClusterLoadAssignment, version_info: held.eds, resource_names: ['a', 'b'] });
    expect(resourceNames(await widened.inbox.next())).toEqual(['a', 'b']);
  });
});
