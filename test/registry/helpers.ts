import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { EmbeddedStore, type EmbeddedStoreOptions } from '../../src/registry/embedded-store';
import type { RegistrySnapshot } from '../../src/registry/registry';

export const silentLogger = pino({ level: 'silent' });

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-registry-'));
}

export function openStore(dataDir: string, options: Partial<EmbeddedStoreOptions> = {}): Promise<EmbeddedStore> {
  return EmbeddedStore.open({ dataDir, logger: silentLogger, ...options });
}

/** service → ids, for compact assertions. */
export function idsOf(snapshot: RegistrySnapshot): Record<string, string[]> {
  return Object.fromEntries([...snapshot.services].map(([service, instances]) => [service, instances.map((i) => i.id)]));
}

/** Both persistence files, byte for byte, to prove a refused write touched neither. */
export function persistedFiles(dataDir: string): Record<string, string> {
  return Object.fromEntries(
    ['registry.json', 'registry.log'].map((name) => {
      const file = path.join(dataDir, name);
      return [name, fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '<missing>'];
    }),
  );
}
