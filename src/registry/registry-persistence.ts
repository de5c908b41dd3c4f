// Where the embedded store keeps its state: a snapshot file plus an append log of the changes
// since. Each batch is one appended line; once the log outgrows the snapshot, a new snapshot
// is written atomically and the log is emptied, so writes stay cheap and startup stays fast.

import { temporaryFileFor, writeFileDurably } from '../util/durable-write';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Instance } from '../model/instance';
import type { RegistrySnapshot } from './registry';
import { encodeRegistryFile, readRegistryFile, RegistryFileError, type PersistedInstance, type RegistryFileContent } from './registry-file';
import { AppendLog, decodeLog, encodeLogEntry, type LogChangeSource } from './registry-log';

export const REGISTRY_FILE_NAME = 'registry.json';
export const REGISTRY_LOG_NAME = 'registry.log';

// Below this a log is never worth compacting; above it, compact once it outgrows the snapshot.
const MIN_COMPACTION_BYTES = 256 * 1024;

export interface LoadedRegistry {
  readonly content: RegistryFileContent;
  /** Files that existed, for the startup log line. */
  readonly found: { readonly snapshot: boolean; readonly logEntries: number; readonly tornTail: boolean };
}

function keyOf(service: string, id: string): string {
  return `${service}/${id}`;
}

/** Reads snapshot and log together into the state they describe, without changing any file. */
export async function loadRegistryState(dataDir: string): Promise<LoadedRegistry> {
  const snapshotFile = path.join(dataDir, REGISTRY_FILE_NAME);
  const logFile = path.join(dataDir, REGISTRY_LOG_NAME);
  const snapshot = await readRegistryFile(snapshotFile);
  let logText = '';
  try {
    logText = await fs.readFile(logFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new RegistryFileError(logFile, undefined, `cannot be read (${(error as Error).message})`);
    }
  }
  const log = decodeLog(logFile, logText);

  const instances = new Map<string, PersistedInstance>();
  for (const instance of snapshot?.instances ?? []) instances.set(keyOf(instance.service, instance.id), instance);
  let revision = snapshot?.revision ?? 0;
  for (const entry of log.entries) {
    // Entries up to the snapshot's revision are already in it (a crash after compaction wrote
    // the snapshot but before it emptied the log).
    if (entry.revision <= revision) continue;
    for (const change of entry.changes) {
      if ('put' in change) instances.set(keyOf(change.put.service, change.put.id), change.put);
      else instances.delete(keyOf(change.delete.service, change.delete.id));
    }
    revision = entry.revision;
  }
  return {
    content: { revision, instances: [...instances.values()] },
    found: { snapshot: snapshot !== undefined, logEntries: log.entries.length, tornTail: log.tornTail },
  };
}

/** Snapshot arrays are sorted by id (code-unit order), so a lookup is a binary search. */
function findById(instances: readonly Instance[], id: string): Instance | undefined {
  let low = 0;
  let high = instances.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const candidate = instances[middle]!;
    if (candidate.id === id) return candidate;
    if (candidate.id < id) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

export class RegistryPersistence {
  /**
   * Opens the files for writing. If the log holds anything, it is folded into a fresh snapshot
   * first, so a torn tail from a crash is never followed by new lines.
   */
  static async open(dataDir: string, loaded: LoadedRegistry, initial: RegistrySnapshot, compactionThresholdBytes?: number): Promise<RegistryPersistence> {
    const snapshotFile = path.join(dataDir, REGISTRY_FILE_NAME);
    // A leftover temporary file is a snapshot write that never completed; the real one is intact.
    await fs.rm(temporaryFileFor(snapshotFile), { force: true });
    const log = await AppendLog.open(path.join(dataDir, REGISTRY_LOG_NAME));
    const persistence = new RegistryPersistence(snapshotFile, log, compactionThresholdBytes);
    // Without a snapshot file yet, the first save writes one, so the data dir is never log-only.
    if (log.size > 0) await persistence.compact(initial);
    else persistence.mustCompact = !loaded.found.snapshot;
    return persistence;
  }

  private snapshotBytes = 0;
  /** After a failed append the log may end in a partial line; the next save must start clean. */
  private mustCompact = false;

  private constructor(
    readonly snapshotFile: string,
    private readonly log: AppendLog,
    private readonly compactionThresholdBytes: number | undefined,
  ) {}

  get logFile(): string {
    return this.log.file;
  }

  /**
   * Makes `snapshot` durable. `changedKeys` (`service/id`) are what changed since the last save;
   * they go to the log, or the whole state goes to a new snapshot when the log has grown enough.
   */
  async save(snapshot: RegistrySnapshot, changedKeys: Iterable<string>): Promise<void> {
    const threshold = this.compactionThresholdBytes ?? Math.max(MIN_COMPACTION_BYTES, this.snapshotBytes);
    if (this.mustCompact || this.log.size > threshold) {
      await this.compact(snapshot);
      return;
    }
    const changes: LogChangeSource[] = [];
    for (const key of changedKeys) {
      const slash = key.indexOf('/');
      const service = key.slice(0, slash);
      const id = key.slice(slash + 1);
      const instance = findById(snapshot.services.get(service) ?? [], id);
      changes.push(instance ? { put: instance } : { delete: { service, id } });
    }
    try {
      await this.log.append(encodeLogEntry(snapshot.revision, changes));
    } catch (error) {
      this.mustCompact = true;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.log.close();
  }

  private async compact(snapshot: RegistrySnapshot): Promise<void> {
    this.mustCompact = true;
    const text = encodeRegistryFile(snapshot);
    await writeFileDurably(this.snapshotFile, text);
    // Only now is the log redundant: its entries all have revisions ≤ the snapshot's.
    await this.log.reset();
    this.snapshotBytes = Buffer.byteLength(text);
    this.mustCompact = false;
  }
}
