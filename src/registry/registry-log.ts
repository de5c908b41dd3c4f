// The append log: one line per persisted batch of changes since the last snapshot. Appending a
// line and fsyncing costs what changed, not the size of the registry, which keeps hundreds of
// registrations a second cheap. Lines carry the revision they produce, so entries already in
// the snapshot are recognised and skipped after a crash between compaction steps.

import { promises as fs } from 'node:fs';
import type { Instance } from '../model/instance';
import { encodePersistedInstance, parsePersistedInstance, RegistryFileError, type PersistedInstance } from './registry-file';

export type LogChange = { readonly put: PersistedInstance } | { readonly delete: { readonly service: string; readonly id: string } };

export interface LogEntry {
  readonly revision: number;
  readonly changes: readonly LogChange[];
}

export type LogChangeSource = { readonly put: Instance } | { readonly delete: { readonly service: string; readonly id: string } };

export function encodeLogEntry(revision: number, changes: readonly LogChangeSource[]): string {
  const encoded = changes.map((change) => ('put' in change ? `{"put":${encodePersistedInstance(change.put)}}` : JSON.stringify(change)));
  return `{"revision":${revision},"changes":[${encoded.join(',')}]}\n`;
}

function parseChange(file: string, where: string, value: unknown): LogChange {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if ('put' in record) return { put: parsePersistedInstance(file, `${where}.put`, record.put) };
    const target = record.delete;
    if (typeof target === 'object' && target !== null) {
      const { service, id } = target as Record<string, unknown>;
      if (typeof service === 'string' && typeof id === 'string') return { delete: { service, id } };
    }
  }
  throw new RegistryFileError(file, where, 'expected {"put": instance} or {"delete": {"service", "id"}}');
}

export interface DecodedLog {
  readonly entries: readonly LogEntry[];
  /**
   * The last line was cut short: a crash in the middle of an append. That batch was never
   * acknowledged (acknowledgement waits for fsync), so dropping it loses nothing promised.
   */
  readonly tornTail: boolean;
}

export function decodeLog(file: string, text: string): DecodedLog {
  const lines = text.split('\n');
  // Every complete line ends with '\n', so the final element is '' unless the tail was torn.
  const tail = lines.pop() ?? '';
  const entries = lines.map((line, index): LogEntry => {
    const lineNumber = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new RegistryFileError(file, `${lineNumber}`, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const { revision, changes } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || !Array.isArray(changes)) {
      throw new RegistryFileError(file, `${lineNumber}`, 'expected {"revision": integer, "changes": [...]}');
    }
    return { revision, changes: changes.map((change: unknown, i) => parseChange(file, `${lineNumber}:changes[${i}]`, change)) };
  });
  return { entries, tornTail: tail !== '' };
}

/** An open log file that only ever grows, until `reset` empties it after a compaction. */
export class AppendLog {
  static async open(file: string): Promise<AppendLog> {
    const handle = await fs.open(file, 'a', 0o600);
    const { size } = await handle.stat();
    return new AppendLog(file, handle, size);
  }

  private constructor(
    readonly file: string,
    private readonly handle: fs.FileHandle,
    private bytes: number,
  ) {}

  get size(): number {
    return this.bytes;
  }

  /** Resolves once the line is on disk. */
  async append(line: string): Promise<void> {
    const data = Buffer.from(line, 'utf8');
    await this.handle.appendFile(data);
    this.bytes += data.length;
    await this.handle.datasync();
  }

  async reset(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.sync();
    this.bytes = 0;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
