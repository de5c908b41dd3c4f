// The instances every later stage works with: the mesh file's static endpoints plus what was
// registered. Pure and deterministic, because translation output must be byte-identical for
// identical inputs.

import type { Instance } from '../model/instance';
import type { ServicePolicy, StaticEndpoint } from '../model/mesh';
import { DEFAULT_WEIGHT, STATIC_ID_PREFIX } from './validation';

/** Static ids come from the endpoint itself, so they stay stable across reloads of the file. */
export function staticEndpointId(endpoint: StaticEndpoint): string {
  return `${STATIC_ID_PREFIX}${endpoint.address}-${endpoint.port}`;
}

function staticInstance(service: string, endpoint: StaticEndpoint): Instance {
  return Object.freeze({
    service,
    id: staticEndpointId(endpoint),
    address: endpoint.address,
    port: endpoint.port,
    labels: endpoint.labels ?? {},
    weight: endpoint.weight ?? DEFAULT_WEIGHT,
    ...(endpoint.zone !== undefined && { zone: endpoint.zone }),
    ...(endpoint.region !== undefined && { region: endpoint.region }),
    health: 'healthy',
    // Static endpoints are never renewed; a constant keeps this function pure.
    renewedAt: 0,
    source: 'static',
  });
}

const NO_INSTANCES: readonly Instance[] = Object.freeze([]);

function byId(a: Instance, b: Instance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Every service named in the mesh file (even with no instances yet) and every registered
 * service, each with its instances sorted by id. A service without static endpoints keeps
 * the registry's array as is, so unchanged services stay identical by reference.
 */
export function mergeInstances(
  services: readonly ServicePolicy[],
  registered: ReadonlyMap<string, readonly Instance[]>,
): ReadonlyMap<string, readonly Instance[]> {
  const staticByService = new Map<string, Instance[]>();
  for (const policy of services) {
    const list = staticByService.get(policy.name) ?? [];
    for (const endpoint of policy.endpoints) {
      const instance = staticInstance(policy.name, endpoint);
      // A duplicate endpoint in the file would otherwise yield two instances with one id.
      if (!list.some((existing) => existing.id === instance.id)) list.push(instance);
    }
    staticByService.set(policy.name, list);
  }

  const names = [...new Set([...staticByService.keys(), ...registered.keys()])].sort();
  const merged = new Map<string, readonly Instance[]>();
  for (const name of names) {
    const fromFile = staticByService.get(name) ?? [];
    const fromRegistry = registered.get(name) ?? [];
    if (fromFile.length === 0) {
      merged.set(name, fromRegistry.length === 0 ? NO_INSTANCES : fromRegistry);
      continue;
    }
    // Registered ids cannot start with the static prefix, so the two lists never share an id.
    merged.set(name, Object.freeze([...fromFile, ...fromRegistry].sort(byId)));
  }
  return merged;
}
