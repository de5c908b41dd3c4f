import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenAuthority, bearerToken } from '../../src/ca/tokens';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-tokens-'));

describe('xDS tokens', () => {
  it('prove the service they were made for until they expire', () => {
    const ta = TokenAuthority.open(dir());
    const { token, claims } = ta.create('orders', 60_000, 1_000);
    expect(ta.verify(token, 2_000)).toEqual({ ok: true, claims });
    expect(ta.verify(token, 61_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
  });

  it('reject a token whose claims were edited, or one signed by another server', () => {
    const a = TokenAuthority.open(dir());
    const b = TokenAuthority.open(dir());
    const { token } = a.create('orders', 60_000);
    const [p, body, mac] = token.split('.') as [string, string, string];
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString().replace('orders', 'payments')).toString('base64url');
    expect(a.verify(`${p}.${forged}.${mac}`)).toMatchObject({ ok: false, reason: 'token signature is invalid' });
    expect(b.verify(token)).toMatchObject({ ok: false, reason: 'token signature is invalid' });
    expect(a.verify('garbage')).toMatchObject({ ok: false });
  });

  it('revocation is persisted: a restarted authority still refuses the token; the key survives too', () => {
    const d = dir();
    const ta = TokenAuthority.open(d);
    const { token, claims } = ta.create('orders', 60_000);
    const other = ta.create('orders', 60_000);
    ta.revoke(claims.id);
    const again = TokenAuthority.open(d);
    expect(again.verify(token)).toMatchObject({ ok: false, reason: 'token was revoked' });
    expect(again.verify(other.token)).toMatchObject({ ok: true });
    expect(fs.statSync(path.join(d, 'token-key')).mode & 0o777).toBe(0o600);
  });

  it('reads the bearer token from metadata', () => {
    expect(bearerToken(['Bearer abc.def.ghi'])).toBe('abc.def.ghi');
    expect(bearerToken(['Basic x'])).toBeUndefined();
  });
});

describe('revocation is durable before it takes effect', () => {
  it('a revocation whose write fails changes nothing: the token still verifies and no stream is ended', async () => {
    const tokens = TokenAuthority.shared(Buffer.alloc(32, 5), [], async () => {
      throw new Error('etcd is unreachable');
    });
    const ended: string[] = [];
    tokens.onRevoked((id) => ended.push(id));
    const { token, claims } = tokens.create('orders', 60_000);
    await expect(tokens.revoke(claims.id)).rejects.toThrow(/unreachable/);
    expect(tokens.verify(token).ok).toBe(true);
    expect(ended).toEqual([]);
  });

  it('a revocation that was written is applied and announced once', async () => {
    const written: string[] = [];
    const tokens = TokenAuthority.shared(Buffer.alloc(32, 5), [], async (id) => {
      written.push(id);
    });
    const ended: string[] = [];
    tokens.onRevoked((id) => ended.push(id));
    const { token, claims } = tokens.create('orders', 60_000);
    await tokens.revoke(claims.id);
    tokens.markRevoked(claims.id); // the same revocation coming back through etcd's watch
    expect(written).toEqual([claims.id]);
    expect(tokens.verify(token)).toMatchObject({ ok: false, reason: 'token was revoked' });
    expect(ended).toEqual([claims.id]);
  });
});
