// A running copy of a service, as the registry knows it.

export type HealthStatus = 'healthy' | 'unhealthy';

/** Where an instance came from: the mesh file's static endpoints or a registry write. */
export type InstanceSource = 'static' | 'registered';

export interface Instance {
  readonly service: string;
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Load-balancing weight, 1..128 (Envoy's endpoint weight range is 1..2^32-1; we keep it small). */
  readonly weight: number;
  readonly zone?: string;
  readonly region?: string;
  readonly health: HealthStatus;
  /** TTL in milliseconds for heartbeat-renewed instances; undefined means it never lapses. */
  readonly ttlMs?: number;
  /** Epoch milliseconds of the last registration or heartbeat. */
  readonly renewedAt: number;
  readonly source: InstanceSource;
}

/** The registration request body (PUT /v1/services/{service}/instances/{id}). */
export interface InstanceRegistration {
  readonly address: string;
  readonly port: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly weight?: number;
  readonly zone?: string;
  readonly region?: string;
  readonly ttlMs?: number;
}
