// The JSON an instance is stored as in etcd. It holds what every replica needs to rebuild the
// same Instance: the registration, the health the leader decided, and the lease that keeps a
// TTL instance alive (so a heartbeat can reach any replica). It deliberately holds no renewal
// time: heartbeats renew the lease only, so they write nothing and cause no watch event.

import type { HealthStatus, Instance, InstanceRegistration } from '../model/instance';
import { RegistryError } from './errors';
import { checkInstanceId, checkServiceName, DEFAULT_WEIGHT, parseInstanceRegistration } from './validation';

export interface InstanceRecord {
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly weight: number;
  readonly zone?: string;
  readonly region?: string;
  readonly ttlMs?: number;
  readonly health: HealthStatus;
  /** etcd lease id (decimal string) of a TTL instance's alive key while it is healthy. */
  readonly lease?: string;
  /** Epoch ms the leader saw the lease lapse; removal follows one grace period later. */
  readonly lapsedAt?: number;
}

export function recordFor(registration: InstanceRegistration, lease: string | undefined): InstanceRecord {
  return {
    address: registration.address,
    port: registration.port,
    labels: registration.labels ?? {},
    weight: registration.weight ?? DEFAULT_WEIGHT,
    ...(registration.zone !== undefined && { zone: registration.zone }),
    ...(registration.region !== undefined && { region: registration.region }),
    ...(registration.ttlMs !== undefined && { ttlMs: registration.ttlMs }),
    health: 'healthy',
    ...(lease !== undefined && { lease }),
  };
}

export function encodeRecord(record: InstanceRecord): string {
  // Fixed field order, so equal records are equal bytes on every replica.
  return JSON.stringify({
    address: record.address,
    port: record.port,
    labels: Object.fromEntries(Object.entries(record.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    weight: record.weight,
    zone: record.zone,
    region: record.region,
    ttlMs: record.ttlMs,
    health: record.health,
    lease: record.lease,
    lapsedAt: record.lapsedAt,
  });
}

/**
 * Reads a stored record with the same rules the API applies to a registration, so a record
 * written by hand (etcdctl) or by another version cannot put something invalid in front of proxies.
 */
export function decodeRecord(service: string, id: string, value: string): InstanceRecord | RegistryError {
  const nameProblem = checkServiceName(service) ?? checkInstanceId(id);
  if (nameProblem) return nameProblem;
  let raw: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    raw = parsed as Record<string, unknown>;
  } catch (error) {
    return new RegistryError('invalid_argument', undefined, `stored record is not a JSON object: ${(error as Error).message}`);
  }
  const { health, lease, lapsedAt, ...registrationFields } = raw;
  const registration = parseInstanceRegistration(registrationFields);
  if (registration instanceof RegistryError) return registration;
  if (health !== 'healthy' && health !== 'unhealthy') return new RegistryError('invalid_argument', 'health', 'health must be healthy or unhealthy');
  if (lease !== undefined && (typeof lease !== 'string' || !/^\d+$/.test(lease)))
    return new RegistryError('invalid_argument', 'lease', 'lease must be a decimal string');
  if (lapsedAt !== undefined && typeof lapsedAt !== 'number') return new RegistryError('invalid_argument', 'lapsedAt', 'lapsedAt must be a number');
  return {
    ...recordFor(registration, lease as string | undefined),
    health,
    ...(lapsedAt !== undefined && { lapsedAt: lapsedAt as number }),
  };
}

export function instanceFromRecord(service: string, id: string, record: InstanceRecord, renewedAt: number): Instance {
  return {
    service,
    id,
    address: record.address,
    port: record.port,
    labels: record.labels,
    weight: record.weight,
    ...(record.zone !== undefined && { zone: record.zone }),
    ...(record.region !== undefined && { region: record.region }),
    health: record.health,
    ...(record.ttlMs !== undefined && { ttlMs: record.ttlMs }),
    renewedAt,
    source: 'registered',
  };
}

/** etcd leases count whole seconds: a TTL is rounded up, never down. */
export function leaseSecondsFor(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}
