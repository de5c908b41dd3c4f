// The mesh file stage (see ARCHITECTURE.md): parse and validate with locations, load from disk, watch.

export { parseMeshFile, configureMeshFileLimits, DEFAULT_MESH_FILE_LIMITS, type MeshParseResult, type MeshFileLimits, type MeshLocations } from './parse';
export { loadMeshFile, loadMeshFileSync } from './load';
export { watchMeshFile, DEFAULT_WATCH_DEBOUNCE_MS, type MeshFileListener, type WatchMeshOptions } from './watch';
export { EXAMPLE_MESH_YAML, EXAMPLE_MESH_FILE_NAME, parseExampleMesh } from './example-mesh';
export { parseDuration, formatDuration, type DurationParse } from '../util/durations';
export { GRPC_LOAD_BALANCER_FALLBACK } from './grpc-compat';
