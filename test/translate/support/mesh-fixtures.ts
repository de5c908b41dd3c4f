// Small mesh states for translator tests, with defaults for everything a case does not care about.
import type { Instance, MeshConfig, MeshSettings, MeshState, ProxyIdentity, ServicePolicy } from '../../../src/model';

export function service(name: string, fields: Partial<Omit<ServicePolicy, 'name'>> = {}): ServicePolicy {
  return { name, protocol: 'http', port: 8080, subsets: {}, routes: [], endpoints: [], ...fields };
}

export function instance(
  serviceName: string,
  id: string,
  address: string,
  port: number,
  fields: Partial<Pick<Instance, 'labels' | 'weight' | 'zone' | 'health'>> = {},
): Instance {
  return {
    service: serviceName,
    id,
    address,
    port,
    labels: fields.labels ?? {},
    weight: fields.weight ?? 1,
    ...(fields.zone !== undefined && { zone: fields.zone }),
    health: fields.health ?? 'healthy',
    renewedAt: 0,
    source: 'registered',
  };
}

export function meshState(services: ServicePolicy[], instances: Instance[] = [], mesh: Partial<MeshSettings> = {}): MeshState {
  const config: MeshConfig = {
    mesh: { trustDomain: 'switchyard.local', mtls: 'disabled', defaultPolicy: 'allow', ...mesh },
    services,
  };
  const byService = new Map<string, Instance[]>();
  for (const i of instances) byService.set(i.service, [...(byService.get(i.service) ?? []), i]);
  for (const list of byService.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { version: 1, config, instances: byService, changedAt: 0 };
}

export function envoy(serviceName: string, nodeId = `${serviceName}-1`): ProxyIdentity {
  return { kind: 'envoy', service: serviceName, nodeId, authenticated: true };
}

export function grpcClient(serviceName: string, nodeId = `${serviceName || 'client'}-grpc-1`): ProxyIdentity {
  return { kind: 'grpc', service: serviceName, nodeId, authenticated: false };
}

export function proxyLabel(proxy: ProxyIdentity): string {
  return `${proxy.kind}:${proxy.service === '' ? '(no service)' : proxy.service}`;
}

/**
 * The demo shop (the example policy): frontend → catalog, orders; orders → payments, db;
 * catalog → db; everything else denied.
 */
export function shopState(): MeshState {
  return meshState(
    [
      service('frontend', { port: 8000 }),
      service('catalog', { port: 8080, allow: ['frontend'] }),
      service('orders', { port: 8081, protocol: 'grpc', allow: ['frontend'] }),
      service('payments', { port: 8082, protocol: 'grpc', allow: ['orders'] }),
      service('db', { port: 5432, protocol: 'tcp', allow: ['orders', 'catalog'] }),
    ],
    [
      instance('frontend', 'frontend-1', '10.0.0.1', 15006),
      instance('catalog', 'catalog-1', '10.0.0.2', 15006),
      instance('orders', 'orders-1', '10.0.0.3', 15006),
      instance('payments', 'payments-1', '10.0.0.4', 15006),
      instance('db', 'db-1', '10.0.0.5', 15006),
    ],
    { defaultPolicy: 'deny' },
  );
}
