// Small mesh states and proxies built in code, for tests that vary one thing at a time (the golden
// cases are data: testdata/ and case-files.ts), with defaults for everything a test does not care about.
import type { Instance, MeshConfig, MeshSettings, MeshState, ProxyIdentity, ServicePolicy } from '../../../src/model';

export function service(name: string, fields: Partial<Omit<ServicePolicy, 'name'>> = {}): ServicePolicy {
  return { name, protocol: 'http', port: 8080, subsets: {}, routes: [], endpoints: [], ...fields };
}

export function instance(
  serviceName: string,
  id: string,
  address: string,
  port: number,
  fields: Partial<Pick<Instance, 'labels' | 'weight' | 'zone' | 'region' | 'health'>> = {},
): Instance {
  return {
    service: serviceName,
    id,
    address,
    port,
    labels: fields.labels ?? {},
    weight: fields.weight ?? 1,
    ...(fields.zone !== undefined && { zone: fields.zone }),
    ...(fields.region !== undefined && { region: fields.region }),
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

/** The same proxy without a proved service: it presented no xDS token. */
export function anonymous(proxy: ProxyIdentity): ProxyIdentity {
  return { ...proxy, authenticated: false };
}

export function proxyLabel(proxy: ProxyIdentity): string {
  const where = proxy.locality ? ` in ${[proxy.locality.region, proxy.locality.zone].filter((x) => x !== undefined).join('/')}` : '';
  return `${proxy.kind}:${proxy.service === '' ? '(no service)' : proxy.service}${where}`;
}

/** proxyLabel, and for a sidecar whether it proved its service (what mTLS output turns on). */
export function mtlsProxyLabel(proxy: ProxyIdentity): string {
  return proxy.kind === 'envoy' ? `${proxyLabel(proxy)} (${proxy.authenticated ? 'authenticated' : 'unauthenticated'})` : proxyLabel(proxy);
}
