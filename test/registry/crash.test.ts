// A control plane killed with SIGKILL in the middle of a stream of writes must restart with a
// complete, valid file that holds every registration it acknowledged.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { describe, expect, it } from 'vitest';
import { REGISTRY_FILE_NAME } from '../../src/registry/embedded-store';
import { decodeRegistryFile } from '../../src/registry/registry-file';
import { makeTempDir, openStore } from './helpers';

const REPO_ROOT = path.resolve(__dirname, '../..');
const WRITER = path.join(__dirname, 'fixtures/crash-writer.ts');
const ROUNDS = 4;

/**
 * Runs the writer until it has acknowledged `minAcks` writes, lets it run a random few more
 * milliseconds so the kill lands anywhere in a write, kills it, and returns what it acknowledged.
 */
async function killMidStream(dataDir: string, mode: 'sequential' | 'concurrent', firstIndex: number, minAcks: number): Promise<string[]> {
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

describe.each(['sequential', 'concurrent'] as const)('kill -9 during %s writes', (mode) => {
  it('leaves a complete file with every acknowledged registration, round after round', async () => {
    const dataDir = makeTempDir();
    const file = path.join(dataDir, REGISTRY_FILE_NAME);
    const acknowledged: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      acknowledged.push(...(await killMidStream(dataDir, mode, round * 100_000, 150)));

      // Parsing throws on a torn or half-written file.
      const content = decodeRegistryFile(file, fs.readFileSync(file, 'utf8'));
      const persisted = new Set(content.instances.map((instance) => instance.id));
      expect(acknowledged.filter((id) => !persisted.has(id))).toEqual([]);

      const store = await openStore(dataDir);
      try {
        const loaded = new Set(store.snapshot().services.get('crash')!.map((instance) => instance.id));
        expect(acknowledged.filter((id) => !loaded.has(id))).toEqual([]);
        expect(store.snapshot().revision).toBe(content.revision);
      } finally {
        await store.close();
      }
    }
  });
});
