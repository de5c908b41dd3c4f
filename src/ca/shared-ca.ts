// The CA and xDS token state that replicas over etcd share, so a workload certificate from
// any replica chains to the same root and a token minted on one replica works on all:
//
//   <prefix>ca/root           {"certPem", "sealedKey", "v": 2}: the active root; the key sealed with
//                             the certificate bound in (sealed-key.ts), so neither can be swapped
//   <prefix>ca/previous-root  the previous root's certificate, sealed, while a rotation is under way
//   <prefix>ca/token-key      the xDS token HMAC key, sealed
//   <prefix>ca/revoked/<id>   one key per revoked token id
//
// The first replica to start creates the root and the token key, each with a transaction that
// writes only if the key does not exist yet; every replica then reads what won, so two replicas
// starting at once agree on one root. Rotations (started through any replica's admin API) are
// transactions on the root's mod revision; every replica watches `ca/` and adopts the new state.
// Private keys never reach etcd in the clear: AES-256-GCM under the operator's key.

import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import { CertificateAuthority, type CaOptions, type RootPersistence, type SharedRootState } from './authority';
import type { KeyType } from './keys';
import { createRoot } from './root';
import { boundContext, seal, unseal } from './sealed-key';
import { TokenAuthority } from './tokens';
import { etcdUnavailable } from '../registry';
import type { EtcdKeys } from '../etcd';
import { follow } from '../etcd/follow';

interface StoredRoot {
  readonly certPem: string;
  readonly sealedKey: string;
  /** 2: the key's seal authenticates the certificate too. Absent: written before that. */
  readonly v?: number;
}

/** The stored form of a root: the key sealed with the certificate bound into its context. */
function storeRoot(certPem: string, keyPem: string, encryptionKey: Buffer, key: string): StoredRoot {
  return { certPem, sealedKey: seal(keyPem, encryptionKey, boundContext(key, certPem)), v: 2 };
}

/**
 * Opens a stored root. A write to etcd without the operator's key cannot add a trusted root: a
 * v2 seal fails for any other certificate, and a legacy (v1) entry is accepted only if its
 * certificate is self-signed by the sealed key, which only the key's holder can produce.
 */
function openRoot(json: string, encryptionKey: Buffer, key: string): { certPem: string; keyPem: string } {
  const stored = JSON.parse(json) as StoredRoot;
  if (stored.v === 2) return { certPem: stored.certPem, keyPem: unseal(stored.sealedKey, encryptionKey, boundContext(key, stored.certPem)) };
  const keyPem = unseal(stored.sealedKey, encryptionKey, key);
  const cert = new X509Certificate(stored.certPem);
  if (!cert.checkPrivateKey(createPrivateKey(keyPem)) || !cert.verify(cert.publicKey))
    throw new Error(`${key}: the root certificate is not the one its sealed key belongs to; refusing to trust it`);
  return { certPem: stored.certPem, keyPem };
}

/** The previous root: sealed (not secret, but it is trusted, so it must be authentic). */
function openPrevious(sealed: string | undefined, encryptionKey: Buffer, key: string): string | undefined {
  if (sealed === undefined) return undefined;
  return unseal(sealed, encryptionKey, key);
}

export interface SharedCa {
  readonly ca: CertificateAuthority;
  readonly tokens: TokenAuthority;
  /** Told after this replica adopted a root state another replica wrote (to re-issue and re-push). */
  onAdopted(listener: () => void): void;
  stop(): Promise<void>;
}

export interface SharedCaOptions {
  readonly client: Etcd3;
  readonly keys: EtcdKeys;
  readonly encryptionKey: Buffer;
  readonly trustDomain: string;
  readonly keyType: KeyType;
  readonly logger: Logger;
  /** Passed through to the CA (workload TTL etc.); `dir` is unused for a shared root. */
  readonly caOptions?: Partial<CaOptions>;
  /** A root from shared files (--ca-cert/--ca-key): then only the token state lives in etcd. */
  readonly fileCa?: CertificateAuthority;
}

function caKeys(keys: EtcdKeys) {
  return {
    root: `${keys.caPrefix}root`,
    previous: `${keys.caPrefix}previous-root`,
    tokenKey: `${keys.caPrefix}token-key`,
    revokedPrefix: `${keys.caPrefix}revoked/`,
  };
}

export async function openSharedCa(options: SharedCaOptions): Promise<SharedCa> {
  const { client, encryptionKey, logger } = options;
  const k = caKeys(options.keys);

  // Create-if-absent, then read what is there: whoever wrote first, everyone uses the same.
  if (!options.fileCa && (await client.get(k.root).string()) === null) {
    const created = await createRoot(options.trustDomain, options.keyType);
    const stored = storeRoot(created.root.certPem, created.keyPem, encryptionKey, k.root);
    const result = await client
      .if(k.root, 'Create', '==', 0)
      .then(client.put(k.root).value(JSON.stringify(stored)))
      .commit();
    logger.info(
      { created: result.succeeded },
      result.succeeded ? 'created the shared CA root in etcd' : 'another replica created the shared CA root first; using it',
    );
  }
  if ((await client.get(k.tokenKey).string()) === null) {
    const sealedTokenKey = seal(randomBytes(32).toString('base64'), encryptionKey, k.tokenKey);
    await client.if(k.tokenKey, 'Create', '==', 0).then(client.put(k.tokenKey).value(sealedTokenKey)).commit();
  }

  const all = await client.getAll().prefix(options.keys.caPrefix).exec();
  const kvAt = (key: string) => all.kvs.find((kv) => kv.key.toString() === key);
  const rootKv = kvAt(k.root);
  if (!rootKv && !options.fileCa) throw new Error(`${k.root} vanished from etcd while starting`);
  let rootModRevision = rootKv?.mod_revision ?? '0';
  const readState = (rootJson: string, previousSealed: string | undefined): SharedRootState => {
    const root = openRoot(rootJson, encryptionKey, k.root);
    let previousCertPem: string | undefined;
    try {
      previousCertPem = openPrevious(previousSealed, encryptionKey, k.previous);
    } catch (error) {
      // Not trusted, but not fatal: the active root still authenticates, and a previous root only
      // widens the bundle during a rotation.
      logger.error(
        { err: (error as Error).message },
        `${k.previous} does not authenticate under the CA encryption key (written to etcd directly, or by an older version); it is left out of the trust bundle`,
      );
    }
    return { ...root, ...(previousCertPem && { previousCertPem }) };
  };

  const persistence: RootPersistence = {
    saveRotation: async (next, previousCertPem) => {
      const stored = storeRoot(next.certPem, next.keyPem, encryptionKey, k.root);
      const result = await client
        .if(k.root, 'Mod', '==', rootModRevision)
        .then(client.put(k.root).value(JSON.stringify(stored)), client.put(k.previous).value(seal(previousCertPem, encryptionKey, k.previous)))
        .commit();
      if (!result.succeeded) throw new Error('another replica changed the CA root at the same time; look at `switchyard ca show` and try again');
      rootModRevision = result.header.revision;
    },
    saveRotationFinished: async () => {
      await client.delete().key(k.previous).exec();
    },
  };
  const ca =
    options.fileCa ??
    (await CertificateAuthority.shared(
      { dir: '', trustDomain: options.trustDomain, keyType: options.keyType, ...options.caOptions },
      readState(rootKv!.value.toString(), kvAt(k.previous)?.value.toString()),
      persistence,
      `etcd ${k.root}`,
    ));
  const adoptedListeners: Array<() => void> = [];

  const tokenKey = Buffer.from(unseal(kvAt(k.tokenKey)!.value.toString(), encryptionKey, k.tokenKey), 'base64');
  const revoked = all.kvs
    .map((kv) => kv.key.toString())
    .filter((key) => key.startsWith(k.revokedPrefix))
    .map((key) => key.slice(k.revokedPrefix.length));
  const tokens = TokenAuthority.shared(tokenKey, revoked, async (id) => {
    try {
      await client.put(`${k.revokedPrefix}${id}`).value('').exec();
    } catch (error) {
      throw etcdUnavailable(error);
    }
  });

  // Follow what other replicas do: rotations, finished rotations, revocations.
  let adopting = Promise.resolve();
  const reloadRoot = () => {
    if (options.fileCa) return;
    adopting = adopting.then(async () => {
      try {
        const [rootJson, previous] = await Promise.all([client.get(k.root).exec(), client.get(k.previous).string()]);
        const kv = rootJson.kvs[0];
        if (!kv) return;
        rootModRevision = kv.mod_revision;
        await ca.adopt(readState(kv.value.toString(), previous ?? undefined));
        for (const listener of adoptedListeners) listener();
      } catch (error) {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'could not adopt the shared CA state from etcd');
      }
    });
  };
  const follower = await follow({
    client,
    prefix: options.keys.caPrefix,
    fromRevision: all.header.revision,
    logger,
    onPut: (kv) => {
      const key = kv.key.toString();
      if (key.startsWith(k.revokedPrefix)) tokens.markRevoked(key.slice(k.revokedPrefix.length));
      else if (key === k.root || key === k.previous) reloadRoot();
    },
    onDelete: (kv) => {
      if (kv.key.toString() === k.previous) reloadRoot();
    },
    reread: async () => {
      // Watching again from this read's revision replays anything after it (twice is harmless).
      const revoked = await client.getAll().prefix(k.revokedPrefix).exec();
      for (const kv of revoked.kvs) tokens.markRevoked(kv.key.toString().slice(k.revokedPrefix.length));
      reloadRoot();
      await adopting;
      return revoked.header.revision;
    },
  });

  return {
    ca,
    tokens,
    onAdopted: (listener) => adoptedListeners.push(listener),
    stop: async () => {
      await follower.stop();
      await adopting;
    },
  };
}
