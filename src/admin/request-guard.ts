// Refuses requests a browser could be tricked into sending, before any credential is looked at:
//
// - DNS rebinding: a page on evil.example re-resolves its own name to 127.0.0.1 and reads the
//   admin API as same-origin. Its requests still say `Host: evil.example`, so only Host values
//   we answer to are accepted: the bound address, loopback names when bound to loopback, IP
//   literals when bound to every interface (a literal cannot be rebound: a page at that address
//   *is* the admin API's origin), and names the operator allows (--admin-allowed-host).
// - CSRF: a cross-site page can POST text/plain, form or multipart bodies without a CORS
//   preflight. Writes must be `application/json`, which a cross-site page cannot send without a
//   preflight we never grant, and any `Origin` other than our own is refused outright.
//
// Both apply even to requests carrying a valid token: the token is not what is at fault.

import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

export interface RequestGuardOptions {
  /** The host the server is bound to, as given (e.g. 127.0.0.1, ::1, 0.0.0.0, 10.0.0.5). */
  readonly bindHost: string;
  /** The port actually listened on. */
  readonly port: number;
  readonly tls: boolean;
  /** Extra host names (or host:port) clients use, e.g. a DNS name in front of the server. */
  readonly allowedHosts?: readonly string[];
}

export type GuardVerdict = { readonly ok: true } | { readonly ok: false; readonly field: string; readonly message: string };

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** Splits a Host header (or allowed-host entry) into a lowercase name without brackets and a port. */
function splitHost(value: string, defaultPort: number): { name: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return undefined;
  return { name: (m[1] ?? m[2]!).toLowerCase(), port: m[3] !== undefined ? Number(m[3]) : defaultPort };
}

export class RequestGuard {
  private readonly allowed: Array<{ name: string; port?: number }>;
  private readonly defaultPort: number;

  constructor(private readonly options: RequestGuardOptions) {
    this.defaultPort = options.tls ? 443 : 80;
    this.allowed = (options.allowedHosts ?? []).map((entry) => {
      const hasPort = /:\d+$/.test(entry) && !/^[^[]*:[^\]]*:/.test(entry);
      const parsed = splitHost(entry, options.port);
      if (!parsed) throw new Error(`--admin-allowed-host: "${entry}" is not a host name or host:port`);
      return hasPort ? parsed : { name: parsed.name };
    });
  }

  private hostAllowed(name: string, port: number): boolean {
    const bind = this.options.bindHost.toLowerCase();
    if (this.allowed.some((a) => a.name === name && (a.port === undefined ? port === this.options.port : a.port === port))) return true;
    if (port !== this.options.port) return false;
    if (name === bind) return true;
    if (isLoopbackHost(bind) && LOOPBACK_NAMES.has(name)) return true;
    if (isLoopbackHost(bind) && isIP(name) === 4 && name.startsWith('127.')) return true;
    return isWildcardHost(bind) && (isIP(name) !== 0 || name === 'localhost');
  }

  check(method: string, headers: IncomingHttpHeaders): GuardVerdict {
    const hostHeader = headers.host;
    const host = hostHeader === undefined ? undefined : splitHost(hostHeader, this.defaultPort);
    if (host === undefined || !this.hostAllowed(host.name, host.port)) {
      return {
        ok: false,
        field: 'host',
        message: `Host "${hostHeader ?? ''}" is not an address this admin API answers to (DNS rebinding protection); add it with --admin-allowed-host if clients really use that name`,
      };
    }
    const origin = headers.origin;
    if (origin !== undefined) {
      let sameOrigin = false;
      try {
        const url = new URL(origin);
        const originHost = splitHost(url.host, url.protocol === 'https:' ? 443 : 80);
        sameOrigin =
          url.protocol === (this.options.tls ? 'https:' : 'http:') &&
          originHost !== undefined &&
          originHost.name === host.name &&
          originHost.port === host.port;
      } catch {
        sameOrigin = false;
      }
      if (!sameOrigin)
        return {
          ok: false,
          field: 'origin',
          message: `cross-origin requests are refused (Origin "${origin}"); the admin API is for the CLI and scripts, not for web pages`,
        };
    }
    if (headers['sec-fetch-site'] === 'cross-site') {
      return { ok: false, field: 'origin', message: 'cross-site requests are refused (Sec-Fetch-Site: cross-site)' };
    }
    if (method !== 'GET' && method !== 'HEAD') {
      const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') {
        return {
          ok: false,
          field: 'content-type',
          message: `${method} requests must be sent as "content-type: application/json" (got ${type === '' ? 'none' : `"${type}"`}); this keeps web pages from forging them`,
        };
      }
    }
    return { ok: true };
  }
}
