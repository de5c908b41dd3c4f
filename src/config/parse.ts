// parseMeshFile: mesh file text → MeshConfig, or every problem in it, each with file:line:column.

import { LineCounter, isScalar, parseDocument, type YAMLError } from 'yaml';
import type { Location, Problem } from '../model/errors';
import type { MeshConfig } from '../model/mesh';
import { checkReferences } from './check-references';
import { checkGrpcCompatibility } from './grpc-compat';
import { checkGateways } from './read-gateways';
import { readMeshConfig } from './read-mesh';
import { MeshSource } from './source';

export interface MeshParseResult {
  /** Present only when no problem is an error; warnings may accompany it. */
  config?: MeshConfig;
  /** Errors and warnings in file order. */
  problems: Problem[];
  /**
   * Where each setting of `config` was written (present with `config`): `switchyard explain`
   * and NACK explanations point at the mesh-file line behind a resource with it.
   */
  locations?: MeshLocations;
  /** The text parsed, as given: history records it so a past mesh can be shown, diffed and re-applied. */
  text?: string;
}

/** Where a setting sits in the mesh file, by its path (`services[2].routes[0].match`). */
export interface MeshLocations {
  readonly file: string;
  /** Its value's place, else its key's, else just the file. */
  whereIs(path: string): Location;
  /** Its key's place (a subset's name, say), else its value's. */
  whereKeyIs(path: string): Location;
}

/**
 * What one mesh file may cost to read. The file is operator input, but it also arrives through
 * `config push` into etcd and hot reloads, so a mistaken or hostile one must not exhaust memory.
 */
export interface MeshFileLimits {
  /** Bytes of mesh file text. */
  readonly maxBytes: number;
  /** YAML alias expansion, as the `yaml` package counts it (maxAliasCount): an alias bomb stops here. */
  readonly maxAliases: number;
  /** Told when a limit refuses a file (for the metric). */
  readonly onLimit?: (limit: 'mesh_file_bytes' | 'yaml_aliases') => void;
}

/** Far above any real mesh (a thousand services is a few hundred KB, with a handful of anchors). */
export const DEFAULT_MESH_FILE_LIMITS: MeshFileLimits = { maxBytes: 8 * 1024 * 1024, maxAliases: 100 };

let meshFileLimits: MeshFileLimits = DEFAULT_MESH_FILE_LIMITS;

/** Set once by `serve` from its flags; every reader (file, watcher, etcd) then applies them. */
export function configureMeshFileLimits(limits: MeshFileLimits): void {
  meshFileLimits = limits;
}

export function currentMeshFileLimits(): MeshFileLimits {
  return meshFileLimits;
}

/** The problem for a file over the size limit (also used before reading one from disk). */
export function tooLargeProblem(file: string, bytes: number): MeshParseResult {
  meshFileLimits.onLimit?.('mesh_file_bytes');
  return {
    problems: [
      {
        path: '',
        location: { file },
        severity: 'error',
        message: `the mesh file is ${bytes} bytes, more than the maximum of ${meshFileLimits.maxBytes} (raise it with --max-mesh-file-bytes)`,
      },
    ],
  };
}

export function parseMeshFile(text: string, file: string): MeshParseResult {
  const bytes = Buffer.byteLength(text);
  if (bytes > meshFileLimits.maxBytes) return tooLargeProblem(file, bytes);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const src = new MeshSource(file, text, lines, doc);

  for (const e of doc.errors) src.error('', src.locateOffset(e.pos[0]), yamlErrorMessage(e, text));
  for (const w of doc.warnings) src.warning('', src.locateOffset(w.pos[0]), w.message);
  // A syntax error leaves a tree that is not what the operator wrote; judging it would add
  // noise. A duplicate key leaves a sound tree, so the rest of the file is still checked.
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return finish(src, undefined);
  // Readers follow aliases wherever they appear, so a few lines of nested aliases (a "billion
  // laughs") would expand exponentially; the yaml package's own count stops that before any reading.
  try {
    doc.toJS({ maxAliasCount: meshFileLimits.maxAliases });
  } catch (err) {
    // Other failures here (an alias naming no anchor) are reported by the readers, with a place.
    if (!(err instanceof ReferenceError) || !/excessive alias/i.test(err.message)) return readAndCheck(src, doc.contents, text);
    meshFileLimits.onLimit?.('yaml_aliases');
    src.error(
      '',
      src.locateOffset(0),
      `the file's YAML aliases expand beyond the limit of ${meshFileLimits.maxAliases} (an alias bomb?); use fewer or smaller aliased nodes, or raise --max-yaml-aliases`,
    );
    return finish(src, undefined);
  }
  return readAndCheck(src, doc.contents, text);
}

function readAndCheck(src: MeshSource, contents: Parameters<MeshSource['resolve']>[0], text: string): MeshParseResult {
  const root = src.resolve(contents, '');
  if (root === undefined || root === null || (isScalar(root) && root.value === null)) {
    src.error('', src.locateOffset(0), 'the file is empty; a mesh file is a map with services: [...] and optionally mesh: {...}');
    return finish(src, undefined);
  }
  const config = readMeshConfig(src, { node: root, path: '', at: src.locate(root) });
  if (config) {
    checkReferences(src, config);
    checkGateways(src, config);
    checkGrpcCompatibility(src, config);
  }
  return finish(src, config, text);
}

function finish(src: MeshSource, config: MeshConfig | undefined, text?: string): MeshParseResult {
  const problems = [...src.problems].sort(byPosition);
  const valid = config !== undefined && !problems.some((p) => p.severity === 'error');
  if (!valid) return { problems };
  const result: MeshParseResult = { config, problems, ...(text !== undefined && { text }) };
  // Not enumerable: the locations are an index into this parse, not part of its value, so two
  // parses of the same text still compare equal (and JSON of a result stays what it was).
  Object.defineProperty(result, 'locations', { value: src, enumerable: false });
  return result;
}

function byPosition(a: Problem, b: Problem): number {
  const line = (a.location?.line ?? 0) - (b.location?.line ?? 0);
  return line !== 0 ? line : (a.location?.column ?? 0) - (b.location?.column ?? 0);
}

function yamlErrorMessage(e: YAMLError, text: string): string {
  switch (e.code) {
    case 'DUPLICATE_KEY': {
      const key = /^\s*("[^"]*"|'[^']*'|[^:\n]*?)\s*:(\s|$)/.exec(text.slice(e.pos[0]))?.[1];
      return key ? `duplicate key ${key}: a key may appear only once in a map` : 'duplicate key: a key may appear only once in a map';
    }
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document (---); a mesh file is a single document';
    default:
      return `invalid YAML: ${e.message}`;
  }
}
