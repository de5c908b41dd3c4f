// Gathers resources as builders produce them and hands back a ResourceSet in a stable order.
import { RESOURCE_TYPE_URLS, TypeUrl, type ResourceTypeUrl } from '../proto/type-urls';
import { compareNames } from './reachability';
import type { NamedResource, ResourceSet } from '../xds/resource-set';

export class ResourceCollector {
  private readonly byType = new Map<ResourceTypeUrl, Map<string, NamedResource>>(RESOURCE_TYPE_URLS.map((t) => [t, new Map()]));

  add(typeUrl: ResourceTypeUrl, name: string, message: object): void {
    this.addNamed(typeUrl, Object.freeze({ name, message }));
  }

  /** Adds a resource object as is (shared pieces are added by many translations). */
  addNamed(typeUrl: ResourceTypeUrl, resource: NamedResource): void {
    const resources = this.byType.get(typeUrl);
    if (!resources) throw new Error(`unknown resource type ${typeUrl}`);
    // Two builders naming the same resource differently would be a translator bug that a proxy
    // would see as one silently replacing the other; fail loudly instead.
    if (resources.has(resource.name)) throw new Error(`translate produced two ${typeUrl} resources named ${JSON.stringify(resource.name)}`);
    resources.set(resource.name, resource);
  }

  addAll(typeUrl: ResourceTypeUrl, resources: readonly NamedResource[]): void {
    for (const r of resources) this.add(typeUrl, r.name, r.message);
  }

  /** Every type present (possibly empty), each sorted by name: the order never depends on the input's. */
  toResourceSet(): ResourceSet {
    const sorted = (t: ResourceTypeUrl) => [...(this.byType.get(t)?.values() ?? [])].sort((a, b) => compareNames(a.name, b.name));
    return {
      [TypeUrl.Listener]: sorted(TypeUrl.Listener),
      [TypeUrl.RouteConfiguration]: sorted(TypeUrl.RouteConfiguration),
      [TypeUrl.Cluster]: sorted(TypeUrl.Cluster),
      [TypeUrl.ClusterLoadAssignment]: sorted(TypeUrl.ClusterLoadAssignment),
      [TypeUrl.Secret]: sorted(TypeUrl.Secret),
    };
  }
}
