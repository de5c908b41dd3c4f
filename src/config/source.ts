// The parse of one mesh file: where every node sits in the text, and the problems found so far.
// Every reader reports into the same MeshSource so that one pass yields every problem at once.

import { isAlias, isNode, type Document, type LineCounter, type Node } from 'yaml';
import type { Location, Problem } from '../model/errors';

/** A YAML node as the readers see it; `null` where YAML has a key with no value node at all. */
export type YamlValue = Node | null;

export class MeshSource {
  readonly problems: Problem[] = [];
  /** path → where its value starts; cross-checks use these to point at what they judge. */
  readonly valueLocations = new Map<string, Location>();
  /** path → where its key starts, for problems about a whole map entry (e.g. an unreachable subset). */
  readonly keyLocations = new Map<string, Location>();

  // Readers drop bad list items, so indexes in the result drift from indexes in the file;
  // these remember each produced value's true path for the cross-checks.
  private readonly paths = new WeakMap<object, string>();
  private readonly itemPaths = new WeakMap<readonly unknown[], readonly string[]>();

  constructor(
    readonly file: string,
    private readonly text: string,
    private readonly lines: LineCounter,
    private readonly doc: Document,
  ) {}

  locateOffset(offset: number): Location {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** Where a node starts; falls back to `fallback` (usually its key) for valueless entries. */
  locate(node: YamlValue | undefined, fallback?: Location): Location {
    const start = node?.range?.[0];
    if (start !== undefined) return this.locateOffset(start);
    return fallback ?? { file: this.file };
  }

  /**
   * Follows an alias to its anchored node so anchors work everywhere; an alias naming no
   * anchor is reported and read as absent.
   */
  resolve(node: YamlValue | undefined, path: string): YamlValue | undefined {
    if (!isAlias(node)) return node;
    const target = node.resolve(this.doc);
    if (isNode(target)) return target;
    this.error(path, this.locate(node), `alias *${node.source} names no anchor defined above it`);
    return undefined;
  }

  /** The node exactly as written, for messages that quote the operator's own text. */
  textOf(node: Node): string {
    const range = node.range;
    return range ? this.text.slice(range[0], range[1]) : '';
  }

  remember(path: string, value: Location, key?: Location): void {
    this.valueLocations.set(path, value);
    if (key) this.keyLocations.set(path, key);
  }

  /** Records where a produced value came from; returns it for chaining. */
  place<T extends object>(value: T, path: string): T {
    this.paths.set(value, path);
    return value;
  }

  pathOf(value: object): string | undefined {
    return this.paths.get(value);
  }

  /** Records the paths of a list of primitives (e.g. `allow` names), item for item. */
  placeItems<T extends readonly unknown[]>(list: T, paths: readonly string[]): T {
    this.itemPaths.set(list, paths);
    return list;
  }

  itemPathsOf(list: readonly unknown[]): readonly string[] | undefined {
    return this.itemPaths.get(list);
  }

  error(path: string, location: Location, message: string): void {
    this.problems.push({ path, message, location, severity: 'error' });
  }

  warning(path: string, location: Location, message: string): void {
    this.problems.push({ path, message, location, severity: 'warning' });
  }

  /** The best place to point at for `path`: its value, else its key, else the file. */
  whereIs(path: string): Location {
    return this.valueLocations.get(path) ?? this.keyLocations.get(path) ?? { file: this.file };
  }

  /** The key's place for `path`, else its value's. */
  whereKeyIs(path: string): Location {
    return this.keyLocations.get(path) ?? this.whereIs(path);
  }
}

export function isWithin(path: string, ancestor: string): boolean {
  if (ancestor === '') return true;
  if (!path.startsWith(ancestor)) return false;
  const next = path.charAt(ancestor.length);
  // `routes[1]` must not claim `routes[10]`.
  return next === '' || next === '.' || next === '[';
}

/** `services[0]` + `port` → `services[0].port`; keys that are not identifiers are quoted. */
export function childPath(path: string, key: string): string {
  const segment = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (segment.startsWith('[')) return `${path}${segment}`;
  return path === '' ? segment : `${path}.${segment}`;
}

export function itemPath(path: string, index: number): string {
  return `${path}[${index}]`;
}
