// No proxy is sent a reference it is not also sent.
import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../src/proto/type-urls';
import type { ResourceSet } from '../../src/xds/resource-set';
import { translateForProxy } from '../../src/translate/translate';
import { goldenCase, loadSuite } from './support/case-files';
import { proxyLabel } from './support/mesh-fixtures';
import { danglingReferences } from './support/references';

const CASES = loadSuite('plaintext');

describe('no dangling references', () => {
  for (const c of CASES) {
    for (const proxy of c.proxies) {
      it(`${c.name} / ${proxyLabel(proxy)}`, () => {
        const { resources } = translateForProxy(c.state, proxy);
        expect(danglingReferences(resources)).toEqual([]);
      });
    }
  }

  it('the checker itself notices a missing cluster, route configuration and assignment', () => {
    const { resources } = translateForProxy(goldenCase('plaintext', 'subsets-weighted').state, {
      kind: 'envoy',
      service: 'frontend',
      nodeId: 'f',
      authenticated: true,
    });
    const broken: ResourceSet = {
      ...resources,
      [TypeUrl.Cluster]: resources[TypeUrl.Cluster].filter((r) => r.name !== 'catalog/v2'),
      [TypeUrl.RouteConfiguration]: [],
      [TypeUrl.ClusterLoadAssignment]: resources[TypeUrl.ClusterLoadAssignment].filter((r) => r.name !== 'catalog'),
    };
    const problems = danglingReferences(broken);
    expect(problems).toContain('route configuration outbound|15001 is named by an HCM but not sent');
    expect(problems).toContain('EDS cluster catalog has no ClusterLoadAssignment');
    // The routes referencing catalog/v2 went with the route configuration; the inbound route still names its cluster.
    const noInbound: ResourceSet = { ...resources, [TypeUrl.Cluster]: resources[TypeUrl.Cluster].filter((r) => !r.name.startsWith('inbound|')) };
    expect(danglingReferences(noInbound)).toEqual(['cluster inbound|frontend is routed to but not sent']);
  });
});
