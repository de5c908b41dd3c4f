// Where ACL tokens are kept, following the xDS token key's two homes:
//
//   data dir   <data-dir>/acl/hash-key (0600) and <data-dir>/acl/tokens.json (0600), each replaced
//              atomically and fsynced (file and directory) before a change is acknowledged.
//   etcd       <prefix>acl/hash-key  the hash key, sealed with the CA encryption key like ca/token-key
//              <prefix>acl/tokens/<id>  one JSON record per token; every replica watches the prefix,
//              so a token created or revoked through one replica is honoured or refused by all.
//
// Records hold a keyed hash of the secret, never the secret (acl.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import { seal, unseal } from '../ca/sealed-key';
import { follow, type EtcdKeys } from '../etcd';
import { etcdUnavailable } from '../registry';
import { writeFileDurably } from '../util/durable-write';
import type { AclStore, AclTokenRecord } from './acl';

function parseRecord(value: unknown, where: string): AclTokenRecord {
  const r = value as Partial<AclTokenRecord> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.id !== 'string' ||
    typeof r.name !== 'string' ||
    typeof r.hash !== 'string' ||
    typeof r.createdAt !== 'string' ||
    !Array.isArray(r.rules) ||
    !r.rules.every((x) => typeof x === 'string')
  ) {
    throw new Error(`${where}: not an ACL token record`);
  }
  return { id: r.id, name: r.name, rules: r.rules, createdAt: r.createdAt, hash: r.hash };
}

/** Tokens in memory only: for tests and embedders that do not persist. */
export class MemoryAclStore implements AclStore {
  protected readonly records = new Map<string, AclTokenRecord>();
  constructor(readonly hashKey: Buffer = randomBytes(32)) {}
  get(id: string) {
    return this.records.get(id);
  }
  list() {
    return [...this.records.values()];
  }
  async put(record: AclTokenRecord) {
    this.records.set(record.id, record);
  }
  async delete(id: string) {
    this.records.delete(id);
  }
  async close() {}
}

class FileAclStore extends MemoryAclStore {
  // Writes are chained so two concurrent changes cannot race on the temporary file.
  private writing: Promise<void> = Promise.resolve();
  constructor(
    hashKey: Buffer,
    records: readonly AclTokenRecord[],
    private readonly file: string,
  ) {
    super(hashKey);
    for (const r of records) this.records.set(r.id, r);
  }
  private persist(): Promise<void> {
    const text = `${JSON.stringify({ version: 1, tokens: this.list() }, null, 2)}\n`;
    const next = this.writing.then(() => writeFileDurably(this.file, text));
    this.writing = next.catch(() => undefined);
    return next;
  }
  override async put(record: AclTokenRecord) {
    const before = this.records.get(record.id);
    this.records.set(record.id, record);
    try {
      await this.persist();
    } catch (error) {
      if (before) this.records.set(record.id, before);
      else this.records.delete(record.id);
      throw error;
    }
  }
  override async delete(id: string) {
    const before = this.records.get(id);
    this.records.delete(id);
    try {
      await this.persist();
    } catch (error) {
      if (before) this.records.set(id, before);
      throw error;
    }
  }
}

export async function openFileAclStore(dataDir: string): Promise<AclStore> {
  const dir = path.join(dataDir, 'acl');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dir, 'hash-key');
  if (!fs.existsSync(keyFile)) await writeFileDurably(keyFile, randomBytes(32).toString('base64'));
  const hashKey = Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64');
  if (hashKey.length !== 32) throw new Error(`${keyFile}: expected 32 bytes of base64`);
  const file = path.join(dir, 'tokens.json');
  let records: AclTokenRecord[] = [];
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { tokens?: unknown };
    if (!Array.isArray(parsed.tokens)) throw new Error(`${file}: expected {"tokens": [...]}`);
    records = parsed.tokens.map((t, i) => parseRecord(t, `${file} tokens[${i}]`));
  }
  return new FileAclStore(hashKey, records, file);
}

export interface EtcdAclStoreOptions {
  readonly client: Etcd3;
  readonly keys: EtcdKeys;
  readonly encryptionKey: Buffer;
  readonly logger: Logger;
}

export async function openEtcdAclStore(options: EtcdAclStoreOptions): Promise<AclStore> {
  const { client, encryptionKey, logger } = options;
  const keyKey = `${options.keys.prefix}acl/hash-key`;
  const tokensPrefix = `${options.keys.prefix}acl/tokens/`;
  // Create-if-absent then read: replicas starting together agree on one key.
  if ((await client.get(keyKey).string()) === null) {
    await client
      .if(keyKey, 'Create', '==', 0)
      .then(client.put(keyKey).value(seal(randomBytes(32).toString('base64'), encryptionKey, keyKey)))
      .commit();
  }
  const sealedKey = await client.get(keyKey).string();
  if (sealedKey === null) throw new Error(`${keyKey} vanished from etcd while starting`);
  const hashKey = Buffer.from(unseal(sealedKey, encryptionKey, keyKey), 'base64');
  const records = new Map<string, AclTokenRecord>();
  const apply = (key: string, value: string | undefined) => {
    const id = key.slice(tokensPrefix.length);
    if (value === undefined) {
      records.delete(id);
      return;
    }
    try {
      records.set(id, parseRecord(JSON.parse(value), key));
    } catch (error) {
      logger.error({ key, err: (error as Error).message }, 'ignoring a malformed ACL token record in etcd');
    }
  };
  const readAll = async (): Promise<string> => {
    const all = await client.getAll().prefix(tokensPrefix).exec();
    records.clear();
    for (const kv of all.kvs) apply(kv.key.toString(), kv.value.toString());
    return all.header.revision;
  };
  const revision = await readAll();
  const follower = await follow({
    client,
    prefix: tokensPrefix,
    fromRevision: revision,
    logger,
    onPut: (kv) => apply(kv.key.toString(), kv.value.toString()),
    onDelete: (kv) => apply(kv.key.toString(), undefined),
    reread: readAll,
  });
  return {
    hashKey,
    get: (id) => records.get(id),
    list: () => [...records.values()],
    put: async (record) => {
      try {
        await client.put(`${tokensPrefix}${record.id}`).value(JSON.stringify(record)).exec();
      } catch (error) {
        throw etcdUnavailable(error);
      }
      // Read-your-writes on this replica; the watch event that follows sets the same value.
      records.set(record.id, record);
    },
    delete: async (id) => {
      try {
        await client.delete().key(`${tokensPrefix}${id}`).exec();
      } catch (error) {
        throw etcdUnavailable(error);
      }
      records.delete(id);
    },
    close: () => follower.stop(),
  };
}
