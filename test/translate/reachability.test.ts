// Who may call whom, and that a proxy is only sent config for what it may call.
import { describe, expect, it } from 'vitest';
import type { ProxyIdentity } from '../../src/model';
import { TypeUrl } from '../../src/proto/type-urls';
import { proxyDependencies, reachableServices, translateForProxy } from '../../src/translate/translate';
import { goldenCase } from './support/case-files';
import { envoy, grpcClient, meshState, service } from './support/mesh-fixtures';

/** The shop under defaultPolicy deny: frontend → catalog, orders; orders → payments, db; catalog → db. */
const shopState = () => goldenCase('plaintext', 'shop-policy').state;

function names(proxy: ProxyIdentity, typeUrl: (typeof TypeUrl)[keyof typeof TypeUrl]): string[] {
  return translateForProxy(shopState(), proxy).resources[typeUrl].map((r) => r.name);
}

describe('reachableServices', () => {
  const config = shopState().config;

  it('follows allow lists under defaultPolicy deny', () => {
    expect(reachableServices(config, 'frontend')).toEqual(['catalog', 'orders']);
    expect(reachableServices(config, 'orders')).toEqual(['db', 'payments']);
    expect(reachableServices(config, 'catalog')).toEqual(['db']);
    expect(reachableServices(config, 'payments')).toEqual([]);
    expect(reachableServices(config, 'db')).toEqual([]);
  });

  it('gives an outside caller (empty or unknown service) nothing under defaultPolicy deny', () => {
    expect(reachableServices(config, '')).toEqual([]);
    expect(reachableServices(config, 'stranger')).toEqual([]);
  });

  it('lets defaultPolicy allow decide only where no allow list is written', () => {
    const open = meshState([service('a', { allow: ['b'] }), service('b'), service('c', { allow: [] })]).config;
    expect(reachableServices(open, 'b')).toEqual(['a', 'b']);
    expect(reachableServices(open, 'c')).toEqual(['b']);
    expect(reachableServices(open, '')).toEqual(['b']);
  });
});

describe('what each proxy is sent under the shop policy', () => {
  it('frontend never sees payments or db, as an Envoy sidecar or a gRPC client', () => {
    for (const proxy of [envoy('frontend'), grpcClient('frontend')]) {
      const clusters = names(proxy, TypeUrl.Cluster);
      expect(clusters.filter((c) => /payments|db/.test(c))).toEqual([]);
      expect(names(proxy, TypeUrl.ClusterLoadAssignment).filter((c) => /payments|db/.test(c))).toEqual([]);
    }
    expect(names(grpcClient('frontend'), TypeUrl.RouteConfiguration)).toEqual(['catalog', 'orders']);
    expect(names(envoy('frontend'), TypeUrl.RouteConfiguration)).toEqual(['outbound|15001']);
    const vhosts = translateForProxy(shopState(), envoy('frontend')).resources[TypeUrl.RouteConfiguration][0].message as {
      virtual_hosts: { name: string; domains: string[] }[];
    };
    expect(vhosts.virtual_hosts.map((v) => [v.name, v.domains])).toEqual([
      ['catalog', ['catalog', 'catalog:8080']],
      ['orders', ['orders', 'orders:8081']],
    ]);
    expect(names(envoy('frontend'), TypeUrl.Cluster)).toEqual(['catalog', 'inbound|frontend', 'orders']);
    expect(names(grpcClient('frontend'), TypeUrl.Listener)).toEqual(['catalog', 'orders']);
  });

  it('orders gets payments and db, and not catalog', () => {
    expect(names(envoy('orders'), TypeUrl.Listener)).toEqual(['inbound|15006', 'outbound|15001', 'outbound|5432']);
    expect(names(envoy('orders'), TypeUrl.Cluster)).toEqual(['db', 'inbound|orders', 'payments']);
  });

  it('a bare gRPC client gets nothing at all', () => {
    const { resources } = translateForProxy(shopState(), grpcClient(''));
    expect(Object.values(resources).flat()).toEqual([]);
  });

  it('proxy dependencies are its own service and what it may call', () => {
    expect(proxyDependencies(shopState(), envoy('orders'))).toEqual(['db', 'orders', 'payments']);
    expect(proxyDependencies(shopState(), grpcClient(''))).toEqual([]);
  });
});
