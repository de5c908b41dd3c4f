import { describe, expect, it } from 'vitest';
import type { Instance } from '../../src/model/instance';
import type { ServicePolicy } from '../../src/model/mesh';
import { mergeInstances, staticEndpointId } from '../../src/registry/merge';

function policy(name: string, endpoints: ServicePolicy['endpoints'] = []): ServicePolicy {
  return { name, protocol: 'http', port: 8080, subsets: {}, routes: [], endpoints };
}

function registered(service: string, id: string): Instance {
  return { service, id, address: '10.9.0.1', port: 80, labels: {}, weight: 1, health: 'healthy', renewedAt: 5, source: 'registered' };
}

describe('mergeInstances', () => {
  it('turns static endpoints into instances with deterministic ids and merges them by id', () => {
    const services = [
      policy('catalog', [
        { address: '10.0.0.5', port: 8080, labels: { version: 'v1' }, zone: 'zone-a' },
        { address: 'fd00::1', port: 80, weight: 7 },
      ]),
    ];
    const merged = mergeInstances(services, new Map([['catalog', [registered('catalog', 'a-1'), registered('catalog', 'z-1')]]]));
    expect(merged.get('catalog')!.map((i) => i.id)).toEqual(['a-1', 'static-10.0.0.5-8080', 'static-fd00::1-80', 'z-1']);
    expect(merged.get('catalog')![1]).toEqual({
      service: 'catalog',
      id: 'static-10.0.0.5-8080',
      address: '10.0.0.5',
      port: 8080,
      labels: { version: 'v1' },
      weight: 1,
      zone: 'zone-a',
      health: 'healthy',
      renewedAt: 0,
      source: 'static',
    });
    expect(merged.get('catalog')![2]!.weight).toBe(7);
  });

  it('lists mesh services without instances and registered services not in the mesh file, sorted', () => {
    const merged = mergeInstances([policy('zeta'), policy('alpha')], new Map([['orders', [registered('orders', 'o-1')]]]));
    expect([...merged.keys()]).toEqual(['alpha', 'orders', 'zeta']);
    expect(merged.get('alpha')).toEqual([]);
  });

  it('is deterministic and keeps registry arrays of services without static endpoints', () => {
    const orders = [registered('orders', 'o-1')];
    const services = [policy('catalog', [{ address: '10.0.0.5', port: 8080 }]), policy('orders')];
    const a = mergeInstances(services, new Map([['orders', orders]]));
    const b = mergeInstances(services, new Map([['orders', orders]]));
    expect(a.get('orders')).toBe(orders);
    expect(JSON.stringify([...a])).toBe(JSON.stringify([...b]));
  });

  it('collapses duplicate static endpoints into one instance', () => {
    const endpoint = { address: '10.0.0.5', port: 8080 };
    const merged = mergeInstances([policy('catalog', [endpoint, endpoint])], new Map());
    expect(merged.get('catalog')!.map((i) => i.id)).toEqual([staticEndpointId(endpoint)]);
  });
});
