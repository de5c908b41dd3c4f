// Route destinations (subset + weight) as cluster names with weights, shared by HTTP routes and
// tcp_proxy.
import type { RouteDestination, ServicePolicy } from '../model';
import type { TranslateContext } from './context';
import { destinationClusterName, serviceClusterName } from './names';

export interface WeightedTarget {
  readonly cluster: string;
  readonly weight: number;
}

/**
 * Cluster targets in the order written, one per cluster (repeats add up). A subset the service
 * does not define is left out with a warning (the config validator should have refused it; the
 * proxy must never be sent a cluster it does not have). Weight-0 targets are dropped unless all
 * are 0, so [v1: 100, v2: 0] routes straight to v1. No usable target at all means every instance.
 */
export function resolveDestinations(ctx: TranslateContext, service: ServicePolicy, destinations: readonly RouteDestination[]): WeightedTarget[] {
  const weights = new Map<string, number>();
  for (const d of destinations) {
    if (d.subset !== undefined && !(d.subset in service.subsets)) {
      ctx.warnings.add(service.name, `route destination names unknown subset ${JSON.stringify(d.subset)}; it is left out`);
      continue;
    }
    const cluster = destinationClusterName(service.name, d.subset);
    weights.set(cluster, (weights.get(cluster) ?? 0) + Math.max(0, Math.floor(d.weight)));
  }
  const all = [...weights].map(([cluster, weight]) => ({ cluster, weight }));
  const positive = all.filter((t) => t.weight > 0);
  if (positive.length > 0) return positive;
  if (all.length > 0) return all.map((t) => ({ cluster: t.cluster, weight: 1 }));
  return [{ cluster: serviceClusterName(service.name), weight: 100 }];
}
