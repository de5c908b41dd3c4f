// What proxyless gRPC clients get must be accepted by grpc-js-xds 1.14: each resource is decoded
// and validated here by the library's own resource types, exactly as its xDS client does on
// receipt (a rejected resource would be a NACK). Beyond acceptance, it checks the things gRPC
// reads differently from Envoy and would silently get wrong.
import { describe, expect, it } from 'vitest';
import { register } from '@grpc/grpc-js-xds';
import { validateBootstrapConfig } from '@grpc/grpc-js-xds/build/src/xds-bootstrap';
import { ClusterResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type';
import { EndpointResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type';
import { ListenerResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type';
import { RouteConfigurationResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type';
import type { XdsDecodeContext, XdsResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/xds-resource-type';
import { TypeUrl, type ResourceTypeUrl } from '../../src/proto/type-urls';
import { translateForProxy } from '../../src/translate/translate';
import { loadSuite } from './support/case-files';
import { proxyLabel } from './support/mesh-fixtures';
import { decodeReadable, encodeResource } from './support/render';

// Registers the router filter and LB policies the validators look up.
register();

const bootstrap = validateBootstrapConfig({
  xds_servers: [{ server_uri: '127.0.0.1:18000', channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
  node: { id: 'translate-test', locality: {} },
});
const context: XdsDecodeContext = { server: bootstrap.xdsServers[0], bootstrap };

const RESOURCE_TYPES: readonly [ResourceTypeUrl, XdsResourceType][] = [
  [TypeUrl.Listener, ListenerResourceType.get()],
  [TypeUrl.RouteConfiguration, RouteConfigurationResourceType.get()],
  [TypeUrl.Cluster, ClusterResourceType.get()],
  [TypeUrl.ClusterLoadAssignment, EndpointResourceType.get()],
];

const grpcProxies = loadSuite('plaintext').flatMap((c) => c.proxies.filter((p) => p.kind === 'grpc').map((proxy) => ({ c, proxy })));

describe('grpc-js-xds accepts what proxyless clients are sent', () => {
  it('has gRPC cases to check', () => {
    expect(grpcProxies.length).toBeGreaterThan(5);
  });

  for (const { c, proxy } of grpcProxies) {
    it(`${c.name} / ${proxyLabel(proxy)}`, () => {
      const { resources } = translateForProxy(c.state, proxy);
      const rejected: string[] = [];
      for (const [typeUrl, resourceType] of RESOURCE_TYPES) {
        for (const r of resources[typeUrl]) {
          const result = resourceType.decode(context, { type_url: typeUrl, value: encodeResource(typeUrl, r.message) });
          if (result.error !== undefined) rejected.push(`${r.name}: ${result.error}`);
          expect(result.name).toBe(r.name);
        }
      }
      expect(rejected).toEqual([]);
      // Proxyless clients get no Envoy-only listeners or clusters.
      expect(resources[TypeUrl.Listener].every((l) => !l.name.includes('|'))).toBe(true);
      expect(resources[TypeUrl.Cluster].every((cl) => !cl.name.startsWith('inbound|'))).toBe(true);
    });
  }

  it('the check can fail: grpc-js-xds rejects a cluster with an Envoy-only lb_policy', () => {
    const bad = { name: 'x', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } }, lb_policy: 'LEAST_REQUEST' };
    const result = ClusterResourceType.get().decode(context, { type_url: TypeUrl.Cluster, value: encodeResource(TypeUrl.Cluster, bad) });
    expect(result.error).toMatch(/lb_policy/);
  });

  it('every locality carries a load_balancing_weight (gRPC drops one without)', () => {
    for (const { c, proxy } of grpcProxies) {
      for (const r of translateForProxy(c.state, proxy).resources[TypeUrl.ClusterLoadAssignment]) {
        const cla = decodeReadable(TypeUrl.ClusterLoadAssignment, encodeResource(TypeUrl.ClusterLoadAssignment, r.message)) as {
          endpoints?: { locality?: object; load_balancing_weight?: { value?: number } }[];
        };
        for (const locality of cla.endpoints ?? []) {
          expect(locality.locality).toBeDefined();
          expect(locality.load_balancing_weight?.value ?? 0).toBeGreaterThan(0);
        }
      }
    }
  });
});
