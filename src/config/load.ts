// loadMeshFile: the mesh file from disk. A file that cannot be read is a problem like any
// other, with the path as its place, so `validate` and the watcher report it the same way.

import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { currentMeshFileLimits, parseMeshFile, tooLargeProblem, type MeshParseResult } from './parse';

// The size is checked before reading, so an enormous file is never held in memory.
export async function loadMeshFile(path: string): Promise<MeshParseResult> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > currentMeshFileLimits().maxBytes) return tooLargeProblem(path, size);
    text = await readFile(path, 'utf8');
  } catch (err) {
    return unreadableFile(path, err);
  }
  return parseMeshFile(text, path);
}

/** For a composition root that must have its config before anything starts. */
export function loadMeshFileSync(path: string): MeshParseResult {
  let text: string;
  try {
    const { size } = statSync(path);
    if (size > currentMeshFileLimits().maxBytes) return tooLargeProblem(path, size);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return unreadableFile(path, err);
  }
  return parseMeshFile(text, path);
}

export function unreadableFile(path: string, err: unknown): MeshParseResult {
  return { problems: [{ path: '', message: readFailure(err), location: { file: path }, severity: 'error' }] };
}

function readFailure(err: unknown): string {
  const code = err instanceof Error && 'code' in err ? String(err.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EISDIR':
      return 'is a directory, not a mesh file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot read the file: ${err instanceof Error ? err.message : String(err)}`;
  }
}
