// The watchers of a registry store: what Registry.watch hands out and every store notifies the
// same way, whatever it stores in.
import type { Logger } from 'pino';
import type { RegistryListener, RegistrySnapshot } from './registry';

export class RegistryWatchers {
  private readonly listeners = new Set<RegistryListener>();

  constructor(private readonly logger: Logger) {}

  /** Registry.watch: wrapped so the same function can subscribe twice and unsubscribe each separately. */
  add(listener: RegistryListener): () => void {
    const entry: RegistryListener = (snapshot) => listener(snapshot);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Tells every watcher; one that throws is logged and does not stop the others. */
  notify(snapshot: RegistrySnapshot): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(snapshot);
      } catch (error) {
        this.logger.error({ err: error }, 'registry watcher threw; other watchers still notified');
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
