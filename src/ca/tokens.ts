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

/**
 * xDS credentials: `syt1.<claims>.<hmac>`, HMAC-SHA256 with a key kept in the data
 * dir (0600). Verifying needs no lookup; revocation is a persisted list of token ids.
 */
export class TokenAuthority {
  private readonly revoked: Set<string>;

  private constructor(
    private readonly key: Buffer,
    revoked: Iterable<string>,
    /** Makes a revocation durable (the data dir's file, or etcd for replicas sharing tokens). */
    private readonly persistRevocation: (id: string, all: ReadonlySet<string>) => void | Promise<void>,
  ) {
    this.revoked = new Set(revoked);
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
    this.revoked.add(id);
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

  /** Durable before it returns (or resolves, for a shared authority). */
  revoke(id: string): void | Promise<void> {
    this.revoked.add(id);
    return this.persistRevocation(id, this.revoked);
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
