// The console's graph data: allow edges from allow lists, implicit edges to services open under
// defaultPolicy allow (in a small mesh only), instances with health, and each service's proxies
// by sync state.
import { describe, expect, it } from 'vitest';
import { consoleGraph, proxyState } from '../../src/admin/routes/console';
import type { MeshConfig } from '../../src/model';
import type { StreamStatus, TypeSyncStatus } from '../../src/xds/stream-status';
import { instance, service } from '../translate/support/mesh-fixtures';

function stream(node: string, cluster: string, types: Array<Partial<TypeSyncStatus>>): StreamStatus {
  return {
    id: 1,
    protocol: 'sotw',
    service: 'ads',
    peer: 'x',
    openedAt: 0,
    nodeId: node,
    nodeCluster: cluster,
    group: `envoy:${cluster}`,
    types: types.map((t) => ({ typeUrl: 'cds', wildcard: true, subscribedNames: [], pendingAck: false, resourceCount: 1, ...t })),
  };
}

describe('consoleGraph', () => {
  it('draws allow edges, implicit edges to open services, health and proxy states', () => {
    const config: MeshConfig = {
      mesh: { trustDomain: 'switchyard.local', mtls: 'disabled', defaultPolicy: 'allow' },
      services: [service('a', { allow: ['b'] }), service('b'), service('c', { allow: [] })],
    };
    const graph = consoleGraph({
      config: () => config,
      instances: () => new Map([['a', [instance('a', 'a1', '10.0.0.1', 80), instance('a', 'a2', '10.0.0.2', 80, { health: 'unhealthy' })]]]),
      streams: () => [
        stream('a-1', 'a', [{ sentVersion: 'v', ackedVersion: 'v' }]),
        stream('a-2', 'a', [{ sentVersion: 'v', pendingAck: true }]),
        stream('b-1', 'b', [{ sentVersion: 'v2', ackedVersion: 'v1', lastNack: { version: 'v2', message: 'no', at: 1 } }]),
      ],
      certificates: () => [],
      historyVersion: () => 1,
    }) as { edges: unknown[]; services: Array<{ name: string; healthy: number; instances: unknown[]; proxies: unknown; allow: unknown }> };
    expect(graph.edges).toEqual([
      { from: 'b', to: 'a' },
      { from: 'a', to: 'b', implicit: true },
      { from: 'c', to: 'b', implicit: true },
    ]);
    const a = graph.services.find((s) => s.name === 'a')!;
    expect([a.healthy, a.instances.length]).toEqual([1, 2]);
    expect(a.proxies).toEqual({ synced: 1, stale: 1, nacking: 0 });
    expect(graph.services.find((s) => s.name === 'b')!.proxies).toEqual({ synced: 0, stale: 0, nacking: 1 });
    expect(graph.services.find((s) => s.name === 'b')!.allow).toBeNull();
  });

  it('does not draw n² implicit edges in a large mesh', () => {
    const config: MeshConfig = {
      mesh: { trustDomain: 't', mtls: 'disabled', defaultPolicy: 'allow' },
      services: Array.from({ length: 100 }, (_, i) => service(`s${i}`)),
    };
    const graph = consoleGraph({
      config: () => config,
      instances: () => new Map(),
      streams: () => [],
      certificates: () => [],
      historyVersion: () => undefined,
    }) as { edges: unknown[] };
    expect(graph.edges).toEqual([]);
  });

  it('names a stream NACKing only while its latest version is the NACKed one', () => {
    expect(proxyState(stream('n', 's', [{ sentVersion: 'v3', ackedVersion: 'v3', lastNack: { version: 'v2', message: 'old', at: 1 } }]))).toBe('synced');
  });
});
