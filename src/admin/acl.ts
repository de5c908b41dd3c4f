// ACL tokens for the admin API: who may do what, checked on every request.
//
// A token is a random secret with a list of rules. The server keeps only a keyed hash of the
// secret (HMAC-SHA256 under a per-installation key, see acl-store.ts): generated secrets carry
// 256 random bits, so no hash speed makes guessing them feasible, and the key means a leaked
// token list (a backup, an etcd dump without the key) does not allow offline guessing of a
// weaker operator-chosen management secret either. A slow password hash would cost every admin
// request milliseconds and buy nothing for random secrets.
//
// Rules:
//   read                     every GET that shows the mesh (services, proxies, config dumps, CA facts)
//   service:write:<svc|*>    register, heartbeat and deregister instances of that service
//   identity:<svc|*>         mint xDS tokens for that service (and with them its certificates)
//   mesh:write               push mesh policy (no admin route uses it yet: config push writes etcd)
//   ca:admin                 root rotation and the CA's writes
//   acl:admin                create, list and revoke ACL tokens (so, in effect, everything)

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const FIXED_RULES = ['read', 'mesh:write', 'ca:admin', 'acl:admin'] as const;
export type AclRule = string;

/** Everything: what the management token holds. */
export const MANAGEMENT_RULES: readonly AclRule[] = ['read', 'service:write:*', 'identity:*', 'mesh:write', 'ca:admin', 'acl:admin'];
export const MANAGEMENT_TOKEN_ID = 'management';

const SERVICE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const SCOPED = /^(service:write|identity):(.+)$/;
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TOKEN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SECRET_PREFIX = 'sya1';
/** Operator-chosen management secrets shorter than this are refused at start. */
export const MIN_OPERATOR_SECRET_LENGTH = 16;

/** Why a rule is malformed, or undefined when it is one of the rules above. */
export function ruleProblem(rule: string): string | undefined {
  if ((FIXED_RULES as readonly string[]).includes(rule)) return undefined;
  const scoped = SCOPED.exec(rule);
  if (scoped) {
    const target = scoped[2]!;
    if (target === '*' || SERVICE.test(target)) return undefined;
    return `"${rule}": "${target}" is not a service name (lowercase letters, digits and '-') or *`;
  }
  return `"${rule}" is not a rule; expected read, service:write:<service|*>, identity:<service|*>, mesh:write, ca:admin or acl:admin`;
}

/** Whether `rules` include `required` (a wildcard scope covers every service). */
export function grants(rules: readonly AclRule[], required: AclRule): boolean {
  if (rules.includes(required)) return true;
  const scoped = SCOPED.exec(required);
  return scoped !== null && rules.includes(`${scoped[1]}:*`);
}

/** What is stored per token: never the secret. */
export interface AclTokenRecord {
  readonly id: string;
  readonly name: string;
  readonly rules: readonly AclRule[];
  readonly createdAt: string;
  /** HMAC-SHA256 of the whole secret under the store's key, base64url. */
  readonly hash: string;
}

/** A token as listed: no hash, no secret. */
export interface AclTokenInfo {
  readonly id: string;
  readonly name: string;
  readonly rules: readonly AclRule[];
  readonly createdAt: string;
}

export function tokenInfo(record: AclTokenRecord): AclTokenInfo {
  return { id: record.id, name: record.name, rules: record.rules, createdAt: record.createdAt };
}

/** Where ACL tokens live: the data dir, or etcd when replicas share state (acl-store.ts). */
export interface AclStore {
  /** The key the secrets' hashes are made with. */
  readonly hashKey: Buffer;
  get(id: string): AclTokenRecord | undefined;
  list(): readonly AclTokenRecord[];
  /** Durable (fsynced, or committed to etcd) before it resolves. */
  put(record: AclTokenRecord): Promise<void>;
  delete(id: string): Promise<void>;
  close(): Promise<void>;
}

export type Authentication = { readonly ok: true; readonly token: AclTokenInfo } | { readonly ok: false; readonly message: string };

export class AclError extends Error {
  constructor(
    readonly code: 'invalid_argument' | 'not_found' | 'conflict',
    readonly field: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Creates, checks and revokes ACL tokens over a store. */
export class AccessControl {
  constructor(private readonly store: AclStore) {}

  hashOf(secret: string): string {
    return createHmac('sha256', this.store.hashKey).update(secret).digest('base64url');
  }

  /** Checks an `authorization` header value. */
  authenticate(authorization: string | undefined): Authentication {
    if (authorization === undefined || authorization === '') {
      return {
        ok: false,
        message:
          'this request needs an ACL token: send "authorization: Bearer <token>" (switchyard reads it from --admin-token, SWITCHYARD_ADMIN_TOKEN or <data-dir>/admin-token)',
      };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return { ok: false, message: 'the authorization header must be "Bearer <token>"' };
    const secret = match[1]!;
    // Generated secrets name their record; anything else can only be the operator's management secret.
    const id = secret.startsWith(`${SECRET_PREFIX}.`) ? secret.split('.')[1] : undefined;
    const record = (id !== undefined ? this.store.get(id) : undefined) ?? this.store.get(MANAGEMENT_TOKEN_ID);
    if (record !== undefined) {
      const given = Buffer.from(this.hashOf(secret));
      const expected = Buffer.from(record.hash);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, token: tokenInfo(record) };
    }
    return { ok: false, message: 'the ACL token is not valid (unknown, mistyped or revoked)' };
  }

  list(): AclTokenInfo[] {
    return this.store
      .list()
      .map(tokenInfo)
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  /** A new token; the secret is returned here once and never stored. */
  async create(name: string, rules: readonly string[]): Promise<{ secret: string; token: AclTokenInfo }> {
    if (!TOKEN_NAME.test(name)) throw new AclError('invalid_argument', 'name', `name "${name}" must be 1-64 letters, digits, '.', '_' or '-'`);
    if (name === MANAGEMENT_TOKEN_ID) throw new AclError('conflict', 'name', '"management" is the name of the management token');
    if (rules.length === 0) throw new AclError('invalid_argument', 'rules', 'a token needs at least one rule');
    for (const rule of rules) {
      const problem = ruleProblem(rule);
      if (problem) throw new AclError('invalid_argument', 'rules', problem);
    }
    if (this.store.list().some((t) => t.name === name))
      throw new AclError('conflict', 'name', `a token named "${name}" already exists; revoke it first or pick another name`);
    const id = randomBytes(9).toString('base64url');
    const secret = `${SECRET_PREFIX}.${id}.${randomBytes(32).toString('base64url')}`;
    const record: AclTokenRecord = { id, name, rules: [...new Set(rules)], createdAt: new Date().toISOString(), hash: this.hashOf(secret) };
    await this.store.put(record);
    return { secret, token: tokenInfo(record) };
  }

  /** Revokes by id or name. The management token cannot be revoked (it is replaced at start). */
  async revoke(idOrName: string): Promise<AclTokenInfo> {
    const record = this.store.get(idOrName) ?? this.store.list().find((t) => t.name === idOrName);
    if (record === undefined) throw new AclError('not_found', 'token', `no ACL token has id or name "${idOrName}"`);
    if (record.id === MANAGEMENT_TOKEN_ID) {
      throw new AclError(
        'conflict',
        'token',
        'the management token cannot be revoked; to replace its secret restart serve with a new --admin-token, or delete <data-dir>/admin-token and restart',
      );
    }
    await this.store.delete(record.id);
    return tokenInfo(record);
  }

  /** The management token's record for this secret (stored only if it differs from what is there). */
  async setManagementSecret(secret: string): Promise<void> {
    const existing = this.store.get(MANAGEMENT_TOKEN_ID);
    const hash = this.hashOf(secret);
    if (existing?.hash === hash && existing.rules.length === MANAGEMENT_RULES.length) return;
    await this.store.put({ id: MANAGEMENT_TOKEN_ID, name: MANAGEMENT_TOKEN_ID, rules: MANAGEMENT_RULES, createdAt: new Date().toISOString(), hash });
  }

  hasManagementToken(): boolean {
    return this.store.get(MANAGEMENT_TOKEN_ID) !== undefined;
  }

  /** A fresh management secret in the generated format. */
  static newManagementSecret(): string {
    return `${SECRET_PREFIX}.${MANAGEMENT_TOKEN_ID}.${randomBytes(32).toString('base64url')}`;
  }
}

export function isTokenId(value: string): boolean {
  return TOKEN_ID.test(value);
}
