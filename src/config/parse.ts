// parseMeshFile: mesh file text → MeshConfig, or every problem in it, each with file:line:column.

import { LineCounter, isScalar, parseDocument, type YAMLError } from 'yaml';
import type { Problem } from '../model/errors';
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
}

export function parseMeshFile(text: string, file: string): MeshParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const src = new MeshSource(file, text, lines, doc);

  for (const e of doc.errors) src.error('', src.locateOffset(e.pos[0]), yamlErrorMessage(e, text));
  for (const w of doc.warnings) src.warning('', src.locateOffset(w.pos[0]), w.message);
  // A syntax error leaves a tree that is not what the operator wrote; judging it would add
  // noise. A duplicate key leaves a sound tree, so the rest of the file is still checked.
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return finish(src, undefined);

  const root = src.resolve(doc.contents, '');
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
  return finish(src, config);
}

function finish(src: MeshSource, config: MeshConfig | undefined): MeshParseResult {
  const problems = [...src.problems].sort(byPosition);
  const valid = config !== undefined && !problems.some((p) => p.severity === 'error');
  return valid ? { config, problems } : { problems };
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
