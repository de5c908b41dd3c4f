// Whether two versions of an instance look the same to a proxy's registration data (address,
// port, weight, zone, ttl, labels). Both stores use it to tell a renewal from a change.

import type { Instance } from '../model/instance';

export function sameRegistration(instance: Instance, next: Instance): boolean {
  const labelsA = Object.entries(instance.labels);
  const labelsB = Object.entries(next.labels);
  return (
    instance.address === next.address &&
    instance.port === next.port &&
    instance.weight === next.weight &&
    instance.zone === next.zone &&
    instance.region === next.region &&
    instance.ttlMs === next.ttlMs &&
    labelsA.length === labelsB.length &&
    labelsA.every(([key, value]) => next.labels[key] === value)
  );
}
