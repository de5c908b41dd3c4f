// History shared by replicas through etcd, when the mesh lives there: one key holds the entries
// (`<prefix>history/state`, JSON) and each mesh text sits under `<prefix>history/mesh/<hash>`.
// Every change is made against the latest stored state and written with a compare-and-swap on
// the key's mod revision (retried on conflict), so versions stay one sequence across replicas and
// a mesh push that every replica reloads is recorded once. Each replica follows the key and keeps
// a local copy that the admin routes read.
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import { follow } from '../etcd/follow';
import { HistoryStore, type StoredHistory } from './history-store';

const MAX_ATTEMPTS = 20;

export interface HistoryWriter {
  /** Applies a change to the history (recordMesh, recordAdmin, noteAcked) wherever it is kept. */
  change(apply: (store: HistoryStore) => void): Promise<void>;
}

/** The local writer: the store itself, persisted to the data dir. */
export function localHistoryWriter(store: HistoryStore): HistoryWriter {
  return {
    change: async (apply) => apply(store),
  };
}

export class EtcdHistory implements HistoryWriter {
  private chain: Promise<void> = Promise.resolve();
  private readonly stateKey: string;
  private readonly meshPrefix: string;

  constructor(
    /** The replica's local copy (memory only), which routes read. */
    readonly store: HistoryStore,
    private readonly client: Etcd3,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.stateKey = `${prefix}history/state`;
    this.meshPrefix = `${prefix}history/mesh/`;
  }

  /** Loads the shared history and follows it; returns how to stop following. */
  async start(): Promise<() => void> {
    const revision = await this.reload();
    const follower = await follow({
      client: this.client,
      key: this.stateKey,
      fromRevision: revision,
      logger: this.logger,
      onPut: () => void this.reload().catch((err: unknown) => this.logger.warn({ err }, 'reading the shared history failed')),
      onDelete: () => undefined,
      reread: () => this.reload(),
    });
    return () => void follower.stop();
  }

  change(apply: (store: HistoryStore) => void): Promise<void> {
    this.chain = this.chain.then(
      () => this.swap(apply),
      () => this.swap(apply),
    );
    return this.chain.catch((err: unknown) => this.logger.error({ err }, 'writing the shared history to etcd failed'));
  }

  private async read(): Promise<{ state?: StoredHistory; modRevision: string; revision: string; texts: Map<string, string> }> {
    const res = await this.client.get(this.stateKey).exec();
    const kv = res.kvs[0];
    const state = kv ? (JSON.parse(kv.value.toString()) as StoredHistory) : undefined;
    const texts = new Map(this.store.meshTexts());
    for (const hash of new Set(state?.entries.map((e) => e.meshHash) ?? [])) {
      if (!hash || texts.has(hash)) continue;
      const text = await this.client.get(`${this.meshPrefix}${hash}`).string();
      if (text !== null) texts.set(hash, text);
    }
    return { state, modRevision: kv?.mod_revision ?? '0', revision: res.header.revision, texts };
  }

  private async reload(): Promise<string> {
    const { state, revision, texts } = await this.read();
    if (state) this.store.importState(state, texts);
    return revision;
  }

  private async swap(apply: (store: HistoryStore) => void): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { state, modRevision, texts } = await this.read();
      const scratch = new HistoryStore(undefined, this.store.keep);
      if (state) scratch.importState(state, texts);
      const before = state ? JSON.stringify(state) : '';
      apply(scratch);
      const after = scratch.exportState();
      if (JSON.stringify(after) === before) return;
      const newTexts = [...scratch.meshTexts()].filter(([hash]) => !texts.has(hash));
      // Texts no kept entry refers to any more go with the entries that did.
      const kept = new Set(after.entries.map((e) => e.meshHash));
      const dropped = [...texts.keys()].filter((hash) => !kept.has(hash));
      const puts = [
        this.client.put(this.stateKey).value(JSON.stringify(after)),
        ...newTexts.map(([hash, text]) => this.client.put(`${this.meshPrefix}${hash}`).value(text)),
        ...dropped.map((hash) => this.client.delete().key(`${this.meshPrefix}${hash}`)),
      ];
      const result = await this.client
        .if(this.stateKey, 'Mod', '==', modRevision)
        .then(...puts)
        .commit();
      if (result.succeeded) {
        this.store.importState(after, scratch.meshTexts());
        return;
      }
    }
    throw new Error(`the shared history changed ${MAX_ATTEMPTS} times while writing; gave up`);
  }
}
