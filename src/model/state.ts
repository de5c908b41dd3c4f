import type { Instance } from './instance';
import type { MeshConfig } from './mesh';

/** A service's workload certificate (PEM), as SDS delivers it to a proxy that proved the service. */
export interface WorkloadKeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * Certificate material translation may put into SDS secrets. Names of the secrets are fixed
 * (SECRET_NAMES) so clusters and listeners reference them identically for every service.
 */
export interface MeshSecurityMaterial {
  /** PEM roots every peer trusts (two during a root rotation). */
  readonly trustBundlePem: string;
  /** Service → its current workload certificate; absent until issued. */
  readonly certificates: ReadonlyMap<string, WorkloadKeyPair>;
}

export const SECRET_NAMES = {
  /** The proxy's own workload certificate and key. */
  workload: 'default',
  /** The trust bundle, as a validation context. */
  trustBundle: 'ROOTCA',
} as const;

/**
 * Everything translation needs, frozen at one moment. A new MeshState is made for every
 * change; `version` grows by one each time so logs and metrics can name a state.
 */
export interface MeshState {
  readonly version: number;
  readonly config: MeshConfig;
  /** Service name → its instances (static and registered), sorted by id. */
  readonly instances: ReadonlyMap<string, readonly Instance[]>;
  /** Epoch milliseconds of the change that produced this state (for convergence latency). */
  readonly changedAt: number;
  /** Present when the CA is running; translation puts it only into authenticated proxies' secrets. */
  readonly security?: MeshSecurityMaterial;
}
