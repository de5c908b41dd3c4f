// Checks `authorization: Bearer <token>` against the configured admin token.

import { createHash, timingSafeEqual } from 'node:crypto';

export type TokenCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

function digest(value: string): Buffer {
  // Hashing first gives equal-length inputs, so the comparison time says nothing about the token.
  return createHash('sha256').update(value).digest();
}

export function checkAdminToken(expected: string, authorization: string | undefined): TokenCheck {
  if (authorization === undefined || authorization === '') {
    return { ok: false, message: 'this request needs the admin token: send "authorization: Bearer <token>"' };
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) return { ok: false, message: 'the authorization header must be "Bearer <token>"' };
  if (!timingSafeEqual(digest(match[1]!), digest(expected))) {
    return { ok: false, message: 'the admin token is not valid' };
  }
  return { ok: true };
}
