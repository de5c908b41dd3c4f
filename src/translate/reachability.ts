// Who may call whom. A proxy is only sent config for services it may call (`allow`,
// mesh.defaultPolicy), so reachability decides the shape of every outbound resource set.
import type { MeshConfig, ServicePolicy } from '../model';

/** Whether `caller` may call `target`: its allow list decides when present, else mesh.defaultPolicy. */
export function mayCall(config: MeshConfig, callerService: string, target: ServicePolicy): boolean {
  if (target.allow !== undefined) return callerService !== '' && target.allow.includes(callerService);
  return config.mesh.defaultPolicy === 'allow';
}

/**
 * The services `callerService` may call, sorted by name. An empty or unknown caller (a bare
 * proxyless gRPC client, node.cluster empty) is an outside caller: no allow list names it, so it
 * reaches exactly the services without an allow list, and only under defaultPolicy: allow.
 * A service may call itself only when its own allow list (or the default) says so.
 */
export function reachableServices(config: MeshConfig, callerService: string): string[] {
  return config.services
    .filter((target) => mayCall(config, callerService, target))
    .map((target) => target.name)
    .sort(compareNames);
}

/** Code-unit order: locale-independent, so output never depends on the host's locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
