// The string formats PGV knows by name (`well_known`), written after PGV's own definitions so
// that what passes here passes in Envoy.
import { isIP } from 'node:net';

/**
 * PGV's well_known_regex patterns. The header-name class is PGV's verbatim, including its
 * `+-.` range (which also admits a comma): Envoy accepts what that pattern accepts.
 */
export const HTTP_HEADER_NAME = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is exactly which control characters a header may not hold
export const HTTP_HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
/** With `strict: false`, both only exclude NUL, CR and LF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL, CR and LF are what a non-strict header may not hold
export const HEADER_STRING = /^[^\u0000\u000A\u000D]*$/;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HOSTNAME_PART = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// Characters Go's url.Parse refuses anywhere, and a '%' not followed by two hex digits.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a URI may not hold
const URI_FORBIDDEN = /[\u0000-\u0020\u007F]|%(?![0-9A-Fa-f]{2})/;

/** Returns why the value is not a hostname, or undefined. Mirrors PGV's hostname check. */
export function hostnameError(host: string): string | undefined {
  if (host.length > 253) return 'hostname cannot exceed 253 characters';
  const s = (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase();
  for (const part of s.split('.')) {
    if (part.length === 0 || part.length > 63) return 'hostname part must be non-empty and cannot exceed 63 characters';
    if (!HOSTNAME_PART.test(part)) return 'hostname parts can only contain alphanumeric characters or hyphens, and cannot begin or end with a hyphen';
  }
  return undefined;
}

export function emailError(value: string): string | undefined {
  // PGV accepts RFC 5322 forms like `Name <a@b>`; the address is what is inside the brackets.
  const bracketed = /<([^<>]*)>\s*$/.exec(value);
  const addr = bracketed ? bracketed[1] : value;
  if (addr.length > 254) return 'email addresses cannot exceed 254 characters';
  const at = addr.lastIndexOf('@');
  if (at <= 0) return 'value must be a valid email address';
  const local = addr.slice(0, at);
  if (local.length > 64) return 'email address local phrase cannot exceed 64 characters';
  if (!EMAIL_LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'value must be a valid email address';
  return hostnameError(addr.slice(at + 1));
}

export function isIp(value: string, version?: 4 | 6): boolean {
  // Node accepts IPv6 zone ids (`fe80::1%eth0`); PGV's parser does not.
  if (value.includes('%')) return false;
  const found = isIP(value);
  return version === undefined ? found !== 0 : found === version;
}

export function isUri(value: string): boolean {
  return URI_SCHEME.test(value) && !URI_FORBIDDEN.test(value);
}

export function isUriRef(value: string): boolean {
  return !URI_FORBIDDEN.test(value);
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * PGV patterns are RE2. JS RegExp in unicode mode agrees on the syntax Envoy's protos use and,
 * unlike non-unicode mode, refuses unknown escapes instead of reading `\z` as a plain `z`.
 * RE2-only syntax (inline flags, `\A`, `\z`, POSIX classes, `\pL`) gives undefined, and the
 * caller reports the rule as unchecked.
 */
export function compileRe2(pattern: string): RegExp | undefined {
  if (RE2_ONLY.test(pattern)) return undefined;
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

const RE2_ONLY = /\\[AzCQE]|\\[pP][A-Za-z]|\(\?[A-Za-z]|\(\?P<|\[\[:/;
