import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { writeFileDurablySync } from '../util/durable-write';

/** What a valid token proves: the stream belongs to `service`. */
export interface TokenClaims {
  readonly service: string;
  readonly expiresAt: number;
  readonly id: string;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: string };

const PREFIX = 'syt1';
const MIN_KEY_BYTES = 32;

/**
 * xDS credentials: `syt1.<claims>.<hmac>`, HMAC-SHA256 with a key kept in the data
 * dir (0600). Verifying needs no lookup; revocation is a persisted list of token ids.
 */
export class TokenAuthority {
  private readonly revoked: Set<string>;
  private readonly revokedListeners = new Set<(id: string) => void>();

  private constructor(
    private readonly key: Buffer,
    revoked: Iterable<string>,
    /** Makes a revocation durable (the data dir's file, or etcd for replicas sharing tokens). */
    private readonly persistRevocation: (id: string, all: ReadonlySet<string>) => void | Promise<void>,
  ) {
    // A short key is guessable: HMAC-SHA256 wants 32 bytes, and an empty or truncated key file
    // (a failed copy, a hand edit) must stop the server, not sign tokens anyone could forge.
    if (key.length < MIN_KEY_BYTES)
      throw new Error(
        `the xDS token key is ${key.length} bytes; at least ${MIN_KEY_BYTES} are required (replace or delete the key file to make a new one; existing tokens stop working)`,
      );
    this.revoked = new Set(revoked);
  }

  /** Told of every revocation, made here or on another replica, once it is durable. */
  onRevoked(listener: (id: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  private applyRevocation(id: string): void {
    this.revoked.add(id);
    for (const l of this.revokedListeners) l(id);
  }

  static open(dir: string): TokenAuthority {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyFile = path.join(dir, 'token-key');
    if (!fs.existsSync(keyFile)) writeFileDurablySync(keyFile, randomBytes(32).toString('base64'), 0o600);
    const revokedFile = path.join(dir, 'revoked-tokens.json');
    const revoked = fs.existsSync(revokedFile) ? (JSON.parse(fs.readFileSync(revokedFile, 'utf8')) as string[]) : [];
    return new TokenAuthority(Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64'), revoked, (_id, all) =>
      writeFileDurablySync(revokedFile, JSON.stringify([...all]), 0o600),
    );
  }

  /** Tokens signed with a key shared by several replicas; revocations go through `persist`. */
  static shared(key: Buffer, revoked: Iterable<string>, persist: (id: string) => Promise<void>): TokenAuthority {
    return new TokenAuthority(key, revoked, (id) => persist(id));
  }

  /** A revocation made elsewhere (another replica), applied here without persisting it again. */
  markRevoked(id: string): void {
    if (this.revoked.has(id)) return;
    this.applyRevocation(id);
  }

  create(service: string, ttlMs: number, now = Date.now()): { token: string; claims: TokenClaims } {
    const claims: TokenClaims = { service, expiresAt: now + ttlMs, id: randomBytes(9).toString('base64url') };
    const body = Buffer.from(JSON.stringify({ svc: claims.service, exp: claims.expiresAt, jti: claims.id })).toString('base64url');
    return { token: `${PREFIX}.${body}.${this.sign(body)}`, claims };
  }

  verify(token: string, now = Date.now()): TokenCheck {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX) return { ok: false, reason: 'not a Switchyard xDS token' };
    const [, body, mac] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'token signature is invalid' };
    let raw: { svc?: unknown; exp?: unknown; jti?: unknown };
    try {
      raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof raw;
    } catch {
      return { ok: false, reason: 'token body is malformed' };
    }
    if (typeof raw.svc !== 'string' || typeof raw.exp !== 'number' || typeof raw.jti !== 'string') return { ok: false, reason: 'token body is malformed' };
    if (raw.exp <= now) return { ok: false, reason: `token expired at ${new Date(raw.exp).toISOString()}` };
    if (this.revoked.has(raw.jti)) return { ok: false, reason: 'token was revoked' };
    return { ok: true, claims: { service: raw.svc, expiresAt: raw.exp, id: raw.jti } };
  }

  /**
   * Durable before it takes effect: a revocation that was announced but lost in a crash would let
   * the token back in after a restart. It takes effect (new streams refused, open ones ended)
   * when this returns (or resolves, for a shared authority).
   */
  revoke(id: string): void | Promise<void> {
    const persisted = this.persistRevocation(id, new Set([...this.revoked, id]));
    if (persisted instanceof Promise) return persisted.then(() => this.applyRevocation(id));
    this.applyRevocation(id);
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(`${PREFIX}.${body}`).digest('base64url');
  }
}

/** Reads `authorization: Bearer <token>` from stream metadata values. */
export function bearerToken(values: ReadonlyArray<string | Buffer>): string | undefined {
  for (const v of values) {
    const m = /^Bearer\s+(\S+)$/i.exec(v.toString());
    if (m) return m[1];
  }
  return undefined;
}
