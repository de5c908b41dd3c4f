// A control plane killed with SIGKILL in the middle of a stream of writes must restart with
// complete, valid files that hold every registration it acknowledged. The writer's instances
// are large, so the rounds cross several log compactions (atomic snapshot rewrites) too.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { describe, expect, it } from 'vitest';
import { loadRegistryState } from '../../src/registry/registry-persistence';
import { makeTempDir, openStore } from './helpers';

const REPO_ROOT = path.resolve(__dirname, '../..');
const WRITER = path.join(__dirname, 'fixtures/crash-writer.ts');
const ROUNDS = 4;

/**
 * Runs the writer until it has acknowledged `minAcks` writes, lets it run a random few more
 * milliseconds so the kill lands anywhere in a write, kills it, and returns what it acknowledged.
 */
type WriterMode = 'sequential' | 'concurrent' | 'compacting';

async function killMidStream(dataDir: string, mode: WriterMode, firstIndex: number, minAcks: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, mode, String(firstIndex)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acknowledged: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const lines = readline.createInterface({ input: child.stdout });
  const drained = new Promise<void>((resolve) => lines.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer too slow; ${acknowledged.length} acks\n${stderr}`)), 30_000);
    lines.on('line', (line) => {
      if (!line.startsWith('ok ')) return;
      acknowledged.push(line.slice(3));
      if (acknowledged.length !== minAcks) return;
      clearTimeout(timer);
      setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, Math.random() * 20);
    });
    void exited.then(() => {
      clearTimeout(timer);
      if (acknowledged.length < minAcks) reject(new Error(`writer exited early:\n${stderr}`));
    });
  });
  expect(await exited).toBe('SIGKILL');
  await drained;
  return acknowledged;
}

describe.each<WriterMode>(['sequential', 'concurrent', 'compacting'])('kill -9 during %s writes', (mode) => {
  it('leaves complete files with every acknowledged registration, round after round', async () => {
    const dataDir = makeTempDir();
    const acknowledged: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      acknowledged.push(...(await killMidStream(dataDir, mode, round * 100_000, mode === 'compacting' ? 60 : 150)));

      // Loading throws on a torn snapshot or a damaged log line; only a torn final log line,
      // whose batch was never acknowledged, may be dropped.
      const { content } = await loadRegistryState(dataDir);
      const persisted = new Set(content.instances.map((instance) => instance.id));
      expect(acknowledged.filter((id) => !persisted.has(id))).toEqual([]);

      const store = await openStore(dataDir);
      try {
        const loaded = new Set(
          store
            .snapshot()
            .services.get('crash')!
            .map((instance) => instance.id),
        );
        expect(acknowledged.filter((id) => !loaded.has(id))).toEqual([]);
        expect(store.snapshot().revision).toBe(content.revision);
      } finally {
        await store.close();
      }
    }
  });
});
