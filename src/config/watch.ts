// watchMeshFile: re-reads the mesh file when it changes and hands every parse to the caller,
// which keeps serving its last valid config while a result carries errors.

import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { currentMeshFileLimits, parseMeshFile, tooLargeProblem, type MeshParseResult } from './parse';
import { unreadableFile } from './load';

export interface WatchMeshOptions {
  /** Quiet time after the last file event before re-reading; editors write in bursts. */
  readonly debounceMs?: number;
  /** Read and report the file once right away, before any change (default false). */
  readonly emitInitial?: boolean;
}

export type MeshFileListener = (result: MeshParseResult) => void;

export const DEFAULT_WATCH_DEBOUNCE_MS = 100;

/**
 * Watches the file's directory, not the file: editors save by writing a new file and renaming
 * it over the old one, and Kubernetes swaps a ConfigMap's `..data` symlink; both replace the
 * inode a file watch would be holding. Any event in the directory triggers a re-read, and a
 * result is reported only when the file's text (or its absence) changed, so unrelated files
 * and no-op saves cost one read and no reload. Returns a function that stops watching.
 */
export function watchMeshFile(path: string, onChange: MeshFileListener, opts: WatchMeshOptions = {}): () => void {
  const debounceMs = opts.debounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let reading = false;
  let readAgain = false;
  // undefined: nothing reported yet; null: last report was "cannot read".
  let lastText: string | null | undefined;

  const report = (result: MeshParseResult): void => {
    if (!closed) onChange(result);
  };

  // Reads are serialised so results arrive in the order the file changed.
  const reread = async (): Promise<void> => {
    if (reading) {
      readAgain = true;
      return;
    }
    reading = true;
    try {
      do {
        readAgain = false;
        let text: string | null;
        let result: MeshParseResult;
        try {
          const { size } = await stat(path);
          if (size > currentMeshFileLimits().maxBytes) {
            // Not read at all: an enormous file is refused by its size.
            text = `(${size} bytes)`;
            result = tooLargeProblem(path, size);
          } else {
            text = await readFile(path, 'utf8');
            result = text === lastText ? { problems: [] } : parseMeshFile(text, path);
          }
        } catch (err) {
          text = null;
          result = unreadableFile(path, err);
        }
        if (closed || text === lastText) continue;
        lastText = text;
        report(result);
      } while (readAgain && !closed);
    } finally {
      reading = false;
    }
  };

  const schedule = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void reread();
    }, debounceMs);
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(path), { persistent: false }, schedule);
  } catch (err) {
    report(watchFailure(path, err));
    return () => {
      closed = true;
    };
  }
  watcher.on('error', (err) => {
    report(watchFailure(path, err));
  });
  if (opts.emitInitial) void reread();

  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}

function watchFailure(path: string, err: unknown): MeshParseResult {
  const reason = err instanceof Error ? err.message : String(err);
  return {
    problems: [
      {
        path: '',
        message: `cannot watch ${dirname(path)} for changes: ${reason}`,
        location: { file: path },
        severity: 'error',
      },
    ],
  };
}
