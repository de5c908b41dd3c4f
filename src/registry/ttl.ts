// What a TTL instance is due for at a given moment: the lapse of its TTL makes it unhealthy,
// and a grace period after that removes it. Pure, so the rules are testable on their own.

import type { Instance } from '../model/instance';

export type TtlAction = 'mark_unhealthy' | 'remove';

/** How long a lapsed instance stays listed as unhealthy before removal. */
export function removalGraceMs(instance: Instance, configuredGraceMs: number | undefined): number {
  return configuredGraceMs ?? instance.ttlMs ?? 0;
}

/** The next moment something happens to this instance, or undefined if it never lapses. */
export function nextTtlDeadline(instance: Instance, configuredGraceMs: number | undefined): number | undefined {
  if (instance.ttlMs === undefined) return undefined;
  const lapse = instance.renewedAt + instance.ttlMs;
  return instance.health === 'healthy' ? lapse : lapse + removalGraceMs(instance, configuredGraceMs);
}

export function dueTtlAction(instance: Instance, now: number, configuredGraceMs: number | undefined): TtlAction | undefined {
  const deadline = nextTtlDeadline(instance, configuredGraceMs);
  if (deadline === undefined || now < deadline) return undefined;
  return instance.health === 'healthy' ? 'mark_unhealthy' : 'remove';
}
