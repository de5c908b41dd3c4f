// The mesh's history: every mesh version (start, file reload, config push, rollback) and every
// admin write, with who made it (the ACL token's name), when, and what changed. Mesh versions
// keep their text, so any two can be diffed and a past one re-applied (`switchyard rollback`).
// Kept in <data-dir>/history/ (entries in one JSON file, mesh texts by content hash beside it), or
// shared through etcd (etcd-history.ts), bounded by --history-keep; a mesh text goes when no kept
// entry refers to it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { MeshConfig } from '../model';
import { writeFileDurablySync } from '../util/durable-write';
import { summarizeMeshChange } from './mesh-summary';
import { parseMeshFile } from '../config/parse';

export interface HistoryEntry {
  /** 1, 2, 3…: the order things happened in on this server. */
  readonly version: number;
  readonly at: string;
  /** `mesh`: a new mesh version took effect; `admin`: an admin API write. */
  readonly kind: 'mesh' | 'admin';
  /** The ACL token's name, or where a mesh came from when no token was involved (`file`, `etcd`). */
  readonly who: string;
  /** In words: `mesh file reloaded`, `PUT /v1/services/catalog/instances/c1`, `rollback to version 3`. */
  readonly what: string;
  /** The mesh in force after this entry: its content hash (texts are stored by it). */
  readonly meshHash: string;
  /** What changed, one line each (services added, removed, changed; the request for admin writes). */
  readonly summary: readonly string[];
  /** Admin writes: the request body with credentials left out. */
  readonly body?: unknown;
  /** Node ids of the proxies that held this mesh version's config, ACKed (mesh entries). */
  ackedBy: string[];
}

export interface StoredHistory {
  readonly next: number;
  readonly entries: HistoryEntry[];
}

export function meshHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const SENSITIVE = /secret|token|private_?key|password/i;

/** Request bodies go into the history without anything that could be a credential. */
export function redactBody(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactBody);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SENSITIVE.test(k) ? '[redacted]' : redactBody(v);
  return out;
}

export class HistoryStore {
  private entries: HistoryEntry[] = [];
  private next = 1;
  private readonly texts = new Map<string, string>();
  private readonly configs = new Map<string, MeshConfig>();
  private listeners = new Set<(entry: HistoryEntry) => void>();

  /** `dir` undefined keeps history in memory only (tests, embedders). */
  constructor(
    private readonly dir: string | undefined,
    readonly keep: number,
  ) {
    if (dir === undefined) return;
    fs.mkdirSync(path.join(dir, 'mesh'), { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'history.json');
    if (!fs.existsSync(file)) return;
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredHistory;
    this.entries = stored.entries;
    this.next = stored.next;
    for (const e of this.entries) {
      const textFile = path.join(dir, 'mesh', `${e.meshHash}.yaml`);
      if (!this.texts.has(e.meshHash) && fs.existsSync(textFile)) this.texts.set(e.meshHash, fs.readFileSync(textFile, 'utf8'));
    }
  }

  /** The entries and the next version, as stored (shared through etcd: src/history/etcd-history.ts). */
  exportState(): StoredHistory {
    return { next: this.next, entries: this.entries.map((e) => ({ ...e, ackedBy: [...e.ackedBy] })) };
  }

  /** Mesh texts by hash, for the entries kept. */
  meshTexts(): ReadonlyMap<string, string> {
    return this.texts;
  }

  /** Replaces the state with a shared one (another replica wrote it); texts it needs come with it. */
  importState(state: StoredHistory, texts: ReadonlyMap<string, string>): void {
    const known = new Set(this.entries.map((e) => e.version));
    this.entries = state.entries.map((e) => ({ ...e, ackedBy: [...e.ackedBy] }));
    this.next = state.next;
    for (const [hash, text] of texts) this.texts.set(hash, text);
    this.pruneTexts();
    for (const e of this.entries) if (!known.has(e.version)) for (const l of this.listeners) l(e);
  }

  /** Called with each new entry (the console's live view). */
  onEntry(listener: (entry: HistoryEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  current(): HistoryEntry | undefined {
    return this.entries.at(-1);
  }

  /** The latest mesh version's hash. */
  currentMeshHash(): string | undefined {
    return [...this.entries].reverse().find((e) => e.kind === 'mesh')?.meshHash;
  }

  /**
   * A mesh took effect. The same text as the mesh already in force (a touched file, a restart)
   * is not a new version and records nothing.
   */
  recordMesh(text: string, config: MeshConfig, who: string, what: string): HistoryEntry | undefined {
    const hash = meshHash(text);
    const previous = this.currentMeshHash();
    if (previous === hash) return undefined;
    const before = previous !== undefined ? this.configOf(previous) : undefined;
    this.texts.set(hash, text);
    this.configs.set(hash, config);
    const summary =
      previous === undefined
        ? [`first recorded mesh: ${config.services.length} services`]
        : before
          ? summarizeMeshChange(before, config)
          : ['mesh changed (the previous version predates this server start: see the diff)'];
    if (this.dir !== undefined) writeFileDurablySync(path.join(this.dir, 'mesh', `${hash}.yaml`), text);
    return this.append({ kind: 'mesh', who, what, meshHash: hash, summary, ackedBy: [] });
  }

  recordAdmin(who: string, method: string, pathname: string, body: unknown): HistoryEntry {
    const summary = [`${method} ${pathname}`];
    return this.append({
      kind: 'admin',
      who,
      what: `${method} ${pathname}`,
      meshHash: this.currentMeshHash() ?? '',
      summary,
      ...(body !== undefined && { body: redactBody(body) }),
      ackedBy: [],
    });
  }

  /** Proxies seen holding the current mesh version's config, ACKed. */
  noteAcked(nodeIds: readonly string[]): void {
    const entry = [...this.entries].reverse().find((e) => e.kind === 'mesh');
    if (!entry) return;
    const added = nodeIds.filter((n) => !entry.ackedBy.includes(n));
    if (added.length === 0) return;
    entry.ackedBy = [...entry.ackedBy, ...added].sort();
    this.persist();
  }

  list(limit = this.keep): HistoryEntry[] {
    return this.entries.slice(-limit).reverse();
  }

  get(version: number): HistoryEntry | undefined {
    return this.entries.find((e) => e.version === version);
  }

  /** The mesh text in force after `version` (an admin write leaves the mesh as it was). */
  meshTextAt(version: number): string | undefined {
    const entry = this.get(version);
    return entry ? this.texts.get(entry.meshHash) : undefined;
  }

  /** A unified diff of the mesh in force after v1 and after v2. */
  diff(v1: number, v2: number): { from: number; to: number; diff: string; summary: string[] } | undefined {
    const a = this.get(v1);
    const b = this.get(v2);
    const ta = this.meshTextAt(v1);
    const tb = this.meshTextAt(v2);
    if (!a || !b || ta === undefined || tb === undefined) return undefined;
    const ca = this.configOf(a.meshHash);
    const cb = this.configOf(b.meshHash);
    const summary = a.meshHash === b.meshHash ? ['the same mesh'] : ca && cb ? summarizeMeshChange(ca, cb) : [];
    return { from: v1, to: v2, diff: a.meshHash === b.meshHash ? '' : createTwoFilesPatch(`version ${v1}`, `version ${v2}`, ta, tb, a.at, b.at), summary };
  }

  /** A stored version's config; texts reloaded after a restart are parsed on first use. */
  private configOf(hash: string): MeshConfig | undefined {
    const known = this.configs.get(hash);
    if (known) return known;
    const text = this.texts.get(hash);
    const config = text !== undefined ? parseMeshFile(text, `history ${hash}`).config : undefined;
    if (config) this.configs.set(hash, config);
    return config;
  }

  private append(fields: Omit<HistoryEntry, 'version' | 'at'>): HistoryEntry {
    const entry: HistoryEntry = { version: this.next++, at: new Date().toISOString(), ...fields };
    this.entries.push(entry);
    if (this.entries.length > this.keep) this.entries = this.entries.slice(-this.keep);
    this.persist();
    this.pruneTexts();
    for (const l of this.listeners) l(entry);
    return entry;
  }

  private persist(): void {
    if (this.dir === undefined) return;
    const stored: StoredHistory = { next: this.next, entries: this.entries };
    writeFileDurablySync(path.join(this.dir, 'history.json'), JSON.stringify(stored));
  }

  private pruneTexts(): void {
    const used = new Set(this.entries.map((e) => e.meshHash));
    for (const hash of [...this.texts.keys()]) {
      if (used.has(hash)) continue;
      this.texts.delete(hash);
      this.configs.delete(hash);
      if (this.dir !== undefined) fs.rmSync(path.join(this.dir, 'mesh', `${hash}.yaml`), { force: true });
    }
  }
}
