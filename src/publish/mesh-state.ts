// The publisher's input: one MeshState per debounce window, from the current mesh file, the
// registry's instances merged with the file's static endpoints, and the CA's material.
import type { MeshConfig, MeshSecurityMaterial, MeshState } from '../model';
import { mergeInstances, type RegistryReader } from '../registry';

export class MeshStateSource {
  private version = 0;

  constructor(
    public config: MeshConfig,
    private readonly registry: RegistryReader,
    private readonly security: () => MeshSecurityMaterial,
    /** Told the merged instances of every state built (the instance gauges). */
    private readonly onInstances: (instances: MeshState['instances']) => void = () => undefined,
  ) {}

  /** A new state, stamped with the latest change it reflects. */
  build(changedAt = Date.now()): MeshState {
    const instances = mergeInstances(this.config.services, this.registry.snapshot().services);
    this.onInstances(instances);
    return { version: ++this.version, config: this.config, instances, changedAt, security: this.security() };
  }
}
