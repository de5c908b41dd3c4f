import type { Instance } from './instance';
import type { MeshConfig } from './mesh';

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
}
