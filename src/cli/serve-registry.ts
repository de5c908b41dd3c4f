import type { Logger } from 'pino';
import type { Instance, MeshConfig } from '../model';
import { EmbeddedStore, mergeInstances, type Registry } from '../registry';

export async function openRegistry(dataDir: string, logger: Logger): Promise<Registry> {
  return EmbeddedStore.open({ dataDir, logger: logger.child({ stage: 'registry' }) });
}

/** What translation sees: the mesh file's static endpoints merged with registered instances. */
export function instancesOf(config: MeshConfig, registry: Registry): ReadonlyMap<string, readonly Instance[]> {
  return mergeInstances(config.services, registry.snapshot().services);
}
