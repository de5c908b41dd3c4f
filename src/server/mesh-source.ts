// Where the mesh file comes from, as one interface: a file on disk (`--config`, hot reloaded),
// the embedded shop mesh (no `--config`), or etcd (`config push`, followed by every replica).
import type { Logger } from 'pino';
import { EXAMPLE_MESH_FILE_NAME, loadMeshFileSync, parseExampleMesh, watchMeshFile, type MeshParseResult } from '../config';
import { etcdMeshSourceName, loadEtcdMesh, watchEtcdMesh } from '../etcd/mesh-file';
import type { EtcdConnection } from './etcd-runner';

export interface MeshSource {
  /** How problems and logs name it: the file path, `(embedded example mesh)` or `etcd:<key>`. */
  readonly name: string;
  /** The mesh as read at start; `config` is undefined when it is invalid. */
  readonly initial: MeshParseResult;
  /** Every later version, valid or not (the caller keeps the last valid one). */
  watch(onChange: (result: MeshParseResult) => void): Promise<() => void>;
}

/** The mesh file given with --config, or the embedded shop mesh when none is. */
export function fileMeshSource(file: string | undefined): MeshSource {
  if (file === undefined) {
    return { name: EXAMPLE_MESH_FILE_NAME, initial: parseExampleMesh(), watch: async () => () => undefined };
  }
  return { name: file, initial: loadMeshFileSync(file), watch: async (onChange) => watchMeshFile(file, onChange) };
}

/**
 * The mesh pushed to etcd. Until one is pushed the embedded example mesh is served (with a
 * warning), so a fresh cluster of replicas starts; the first push replaces it.
 */
export async function etcdMeshSource(etcd: EtcdConnection, logger: Logger): Promise<MeshSource> {
  const key = etcd.keys.meshConfig;
  const read = await loadEtcdMesh(etcd.client, key);
  if (read.result === undefined)
    logger.warn({ key }, 'no mesh pushed to etcd yet (switchyard config push FILE); serving the embedded example mesh until one is');
  return {
    name: etcdMeshSourceName(key),
    initial: read.result ?? parseExampleMesh(),
    watch: (onChange) => watchEtcdMesh(etcd.client, key, read.revision, logger, onChange),
  };
}
