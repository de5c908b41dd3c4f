// EDS: which instances back a cluster, grouped by zone into localities.
import { isIP } from 'node:net';
import type { ClusterLoadAssignment } from '../generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { LbEndpoint } from '../generated/envoy/config/endpoint/v3/LbEndpoint';
import type { LocalityLbEndpoints } from '../generated/envoy/config/endpoint/v3/LocalityLbEndpoints';
import type { Instance, ServicePolicy } from '../model';
import type { TranslateContext } from './context';
import { compareNames } from './reachability';

/**
 * The instances of `service` that can be endpoints, sorted by id. A second instance at an
 * address:port already taken is left out with a warning (gRPC rejects duplicate addresses, and
 * Envoy would count the one host twice). Instances registered by hostname stay: their clusters
 * resolve them by DNS (outbound-service.ts). An external service's hosts come from the mesh file,
 * so instances registered under its name are ignored, with a warning.
 */
export function endpointInstances(ctx: TranslateContext, service: ServicePolicy): Instance[] {
  const all = [...(ctx.state.instances.get(service.name) ?? [])].sort((a, b) => compareNames(a.id, b.id));
  if (service.external) {
    if (all.length > 0) {
      ctx.warnings.add(service.name, `is external (its hosts are ${service.external.hosts.join(', ')}); the instances registered under its name (${all.map((i) => i.id).join(', ')}) are ignored`);
    }
    return [];
  }
  const byAddress = new Map<string, Instance>();
  const usable: Instance[] = [];
  for (const instance of all) {
    const key = `${instance.address}:${instance.port}`;
    const first = byAddress.get(key);
    if (first) {
      ctx.warnings.add(service.name, `instances ${first.id} and ${instance.id} share the address ${key}; only ${first.id} is used`);
      continue;
    }
    byAddress.set(key, instance);
    usable.push(instance);
  }
  return usable;
}

/** Whether an instance is addressed by a DNS name, which EDS cannot carry (both consumers require IPs there). */
export function isHostnameInstance(instance: Instance): boolean {
  return isIP(instance.address) === 0;
}

/** Whether an instance belongs to a subset: every label in the selector must match. */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

export function buildClusterLoadAssignment(clusterName: string, instances: readonly Instance[]): ClusterLoadAssignment {
  const byZone = new Map<string, Instance[]>();
  for (const instance of instances) {
    const zone = instance.zone ?? '';
    const members = byZone.get(zone) ?? [];
    members.push(instance);
    byZone.set(zone, members);
  }
  const zones = [...byZone.keys()].sort(compareNames);
  return {
    cluster_name: clusterName,
    endpoints: zones.map((zone) => buildLocality(zone, byZone.get(zone) ?? [])),
  };
}

function buildLocality(zone: string, instances: readonly Instance[]): LocalityLbEndpoints {
  // gRPC drops a locality that has no load_balancing_weight, and picks localities by weight
  // before picking an endpoint (its round_robin ignores endpoint weights). Weighing a locality
  // by the total weight of its healthy endpoints keeps each zone's share what Envoy's flat
  // weighted round robin would give it. Envoy ignores locality weights (no
  // locality_weighted_lb_config), and requires each to be at least 1.
  const healthyWeight = instances.filter((i) => i.health === 'healthy').reduce((sum, i) => sum + endpointWeight(i), 0);
  return {
    // Always present, even without a zone: gRPC rejects an endpoint group with no locality.
    locality: zone === '' ? {} : { zone },
    lb_endpoints: instances.map(buildLbEndpoint),
    load_balancing_weight: { value: Math.max(1, healthyWeight) },
  };
}

function buildLbEndpoint(instance: Instance): LbEndpoint {
  return {
    endpoint: { address: { socket_address: { address: instance.address, port_value: instance.port } } },
    health_status: instance.health === 'healthy' ? 'HEALTHY' : 'UNHEALTHY',
    load_balancing_weight: { value: endpointWeight(instance) },
  };
}

/** Envoy requires endpoint weights of at least 1; the registry promises 1..128 but a 0 must not reach a proxy. */
function endpointWeight(instance: Instance): number {
  return Math.max(1, Math.floor(instance.weight));
}
