// How instances look on the admin API. Field names mirror the PUT body (ttl as a duration
// string), so what GET returns can be sent back unchanged.

import { formatDuration } from '../../util/durations';
import type { HealthStatus, Instance, InstanceSource } from '../../model/instance';

export interface InstanceJson {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly weight: number;
  readonly zone?: string;
  readonly region?: string;
  readonly health: HealthStatus;
  readonly ttl?: string;
  /** ISO time of the last registration or heartbeat; absent for static endpoints. */
  readonly renewedAt?: string;
  readonly source: InstanceSource;
}

export interface ServiceJson {
  readonly name: string;
  readonly instances: readonly InstanceJson[];
}

export function instanceJson(instance: Instance): InstanceJson {
  return {
    id: instance.id,
    address: instance.address,
    port: instance.port,
    labels: instance.labels,
    weight: instance.weight,
    ...(instance.zone !== undefined && { zone: instance.zone }),
    ...(instance.region !== undefined && { region: instance.region }),
    health: instance.health,
    ...(instance.ttlMs !== undefined && { ttl: formatDuration(instance.ttlMs) }),
    ...(instance.source === 'registered' && { renewedAt: new Date(instance.renewedAt).toISOString() }),
    source: instance.source,
  };
}

export function serviceJson(name: string, instances: readonly Instance[]): ServiceJson {
  return { name, instances: instances.map(instanceJson) };
}
