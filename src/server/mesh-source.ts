import { EXAMPLE_MESH_FILE_NAME, loadMeshFileSync, parseExampleMesh, watchMeshFile, type MeshParseResult } from '../config';

/** The mesh file given with --config, or the embedded shop mesh when none is. */
export function loadMeshConfig(file: string | undefined): MeshParseResult & { source: string } {
  return file ? { ...loadMeshFileSync(file), source: file } : { ...parseExampleMesh(), source: EXAMPLE_MESH_FILE_NAME };
}

/** Hot reload: every change of the file's text is parsed and handed over, valid or not. */
export function watchMeshConfig(file: string, onChange: (result: MeshParseResult) => void): () => void {
  return watchMeshFile(file, onChange);
}
