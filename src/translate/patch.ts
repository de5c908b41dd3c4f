// Re-translation after a registry-only change. When the mesh file and certificate material are
// the same objects as before and only some services' instances moved, the only resources that
// can differ are those services' per-target bundles (their clusters' endpoint sets; clusters are
// rebuilt too, as they share the bundle). Rebuilding just those and splicing them into the
// group's previous resources makes an endpoint change cost each group what changed, not a whole
// translation of every service it can call. The result equals a full translation (tested).
import type { MeshState, ProxyIdentity } from '../model';
import { TypeUrl, type ResourceTypeUrl } from '../proto/type-urls';
import { serviceClusterName } from './names';
import { addServiceClusters } from './outbound-service';
import { ResourceCollector } from './resource-collector';
import type { NamedResource, ResourceSet } from '../xds/resource-set';
import type { TranslateContext } from './context';

/** The types a service bundle contributes to; every other type is carried over untouched. */
const BUNDLE_TYPES: readonly ResourceTypeUrl[] = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment];

/**
 * `previous` with the bundles of `services` rebuilt from `ctx.state`, or undefined when a patch
 * cannot be exact and the caller must translate in full: a gRPC proxy's own instances shape its
 * server listeners, and a bundle whose cluster names differ from before is not a pure swap.
 */
export function patchServiceBundles(
  ctx: TranslateContext,
  proxy: ProxyIdentity,
  previous: ResourceSet,
  services: ReadonlySet<string>,
): ResourceSet | undefined {
  if (proxy.kind === 'grpc' && services.has(proxy.service)) return undefined;
  const fresh = new ResourceCollector();
  const present = new Set(previous[TypeUrl.Cluster].map((r) => r.name));
  for (const name of services) {
    const service = ctx.services.get(name);
    // A service this group was not given (not callable, or no listener for it) stays absent.
    if (!service || !present.has(serviceClusterName(name))) continue;
    addServiceClusters(ctx, service, fresh);
  }
  const rebuilt = fresh.toResourceSet();
  // Cluster and ClusterLoadAssignment names are the cluster names; a rebuilt service's bundle
  // must replace exactly what it held before. A cluster that turned from EDS to DNS (an instance
  // registered by hostname) drops its ClusterLoadAssignment, which a swap cannot express.
  const bundleNames = new Set(rebuilt[TypeUrl.Cluster].map((r) => r.name));
  const out: Record<string, readonly NamedResource[]> = { ...previous };
  for (const typeUrl of BUNDLE_TYPES) {
    const replacements = new Map(rebuilt[typeUrl].map((r) => [r.name, r]));
    const held = previous[typeUrl].filter((r) => bundleNames.has(r.name));
    if (held.length !== replacements.size || held.some((r) => !replacements.has(r.name))) return undefined;
    if (replacements.size === 0) continue;
    out[typeUrl] = previous[typeUrl].map((r) => replacements.get(r.name) ?? r);
  }
  return out as ResourceSet;
}

/** Whether two states differ only in instances, so patchServiceBundles applies. */
export function onlyInstancesChanged(before: MeshState, after: MeshState): boolean {
  return before.config === after.config && before.security === after.security;
}
