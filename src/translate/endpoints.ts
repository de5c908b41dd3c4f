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
      ctx.warnings.add(
        service.name,
        `is external (its hosts are ${service.external.hosts.join(', ')}); the instances registered under its name (${all.map((i) => i.id).join(', ')}) are ignored`,
      );
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

/**
 * Where a locality's endpoints stand for one caller: its priority (0 first; a lower priority
 * gets traffic only as the higher ones run short of healthy endpoints) and, under a distribute
 * rule, its weight in percent.
 */
interface Placement {
  readonly priority: number;
  readonly percent?: number;
}

/** How translation places each (region, zone) locality for the proxy being translated. */
export type LocalityPlacer = (region: string, zone: string) => Placement;

/**
 * Locality-aware routing, relative to the caller's bootstrap locality: same zone priority 0, the
 * rest of its region 1, everything else 2 (then renumbered without gaps, as Envoy and gRPC both
 * require). A failover rule for the caller puts its `to` locality at 1 and everything else
 * non-local at 2; a distribute rule puts its listed localities together at priority 0 with their
 * weights, and the rest at 1. Envoy moves traffic to the next priority as a priority's healthy
 * share falls (its overprovisioning factor, 1.4); gRPC when a priority has no
 * reachable endpoint at all. A caller that names no locality gets every endpoint at priority 0.
 */
export function localityPlacer(ctx: TranslateContext, service: ServicePolicy): LocalityPlacer | undefined {
  const caller = ctx.proxy.locality;
  if (!caller) return undefined;
  const policy = service.trafficPolicy?.locality;
  const callerIs = (name: string) => name === caller.zone || name === caller.region;
  const distribute = policy?.distribute?.find((d) => callerIs(d.from));
  if (distribute) {
    return (region, zone) => {
      const percent = (zone !== '' ? distribute.to[zone] : undefined) ?? (region !== '' ? distribute.to[region] : undefined);
      return percent !== undefined && percent > 0 ? { priority: 0, percent } : { priority: 1 };
    };
  }
  const failover = policy?.failover?.find((f) => callerIs(f.from));
  return (region, zone) => {
    if (caller.zone !== undefined && zone === caller.zone && (caller.region === undefined || region === '' || region === caller.region)) return { priority: 0 };
    if (failover) return { priority: zone === failover.to || region === failover.to ? 1 : 2 };
    if (caller.region !== undefined && region === caller.region) return { priority: caller.zone === undefined ? 0 : 1 };
    return { priority: 2 };
  };
}

/** Whether a distribute rule sets locality weights for this caller (Envoy then needs locality-weighted balancing). */
export function usesLocalityWeights(ctx: TranslateContext, service: ServicePolicy): boolean {
  const caller = ctx.proxy.locality;
  return !!caller && !!service.trafficPolicy?.locality?.distribute?.some((d) => d.from === caller.zone || d.from === caller.region);
}

export function buildClusterLoadAssignment(clusterName: string, instances: readonly Instance[], place?: LocalityPlacer): ClusterLoadAssignment {
  const byLocality = new Map<string, Instance[]>();
  for (const instance of instances) {
    // region/zone: neither may contain '/', so the key is unambiguous.
    const key = `${instance.region ?? ''}/${instance.zone ?? ''}`;
    const members = byLocality.get(key) ?? [];
    members.push(instance);
    byLocality.set(key, members);
  }
  const localities = [...byLocality.keys()].map((key) => {
    const [region = '', zone = ''] = key.split('/');
    return { key, region, zone, placement: place ? place(region, zone) : { priority: 0 } };
  });
  // Priorities renumbered without gaps: [0, 2] becomes [0, 1].
  const used = [...new Set(localities.map((l) => l.placement.priority))].sort((a, b) => a - b);
  localities.sort((a, b) => a.placement.priority - b.placement.priority || compareNames(a.key, b.key));
  return {
    cluster_name: clusterName,
    endpoints: localities.map((l) => buildLocality(l.region, l.zone, byLocality.get(l.key) ?? [], used.indexOf(l.placement.priority), l.placement.percent)),
  };
}

function buildLocality(region: string, zone: string, instances: readonly Instance[], priority: number, percent: number | undefined): LocalityLbEndpoints {
  // gRPC drops a locality that has no load_balancing_weight, and picks localities by weight
  // before picking an endpoint (its round_robin ignores endpoint weights). Weighing a locality
  // by the total weight of its healthy endpoints keeps each zone's share what Envoy's flat
  // weighted round robin would give it. Envoy ignores locality weights unless a distribute rule
  // turns on locality_weighted_lb_config, and requires each to be at least 1. Under a
  // distribute rule the weight is the rule's percent.
  const healthyWeight = instances.filter((i) => i.health === 'healthy').reduce((sum, i) => sum + endpointWeight(i), 0);
  return {
    // Always present, even without a zone: gRPC rejects an endpoint group with no locality.
    locality: { ...(region !== '' && { region }), ...(zone !== '' && { zone }) },
    lb_endpoints: instances.map(buildLbEndpoint),
    load_balancing_weight: { value: percent ?? Math.max(1, healthyWeight) },
    ...(priority > 0 && { priority }),
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
