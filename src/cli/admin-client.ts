import * as fs from 'node:fs';
import * as path from 'node:path';
import { adminBaseUrl, adminErrorOf, callAdmin, type AdminTarget } from '../admin/client';
import { ADMIN_CA_FILE, ADMIN_TOKEN_FILE } from '../admin/admin-security';
import { UsageError } from './io';
import { stringFlag, type ParsedFlags } from './flags';

export const ADMIN_FLAGS = {
  'admin-address': { type: 'string', env: 'SWITCHYARD_ADMIN_ADDRESS', default: '127.0.0.1:18080' },
  'admin-token': { type: 'string', env: 'SWITCHYARD_ADMIN_TOKEN' },
  // Where `switchyard serve` wrote the management token (and, with --admin-tls, the CA bundle).
  'data-dir': { type: 'string', env: 'SWITCHYARD_DATA_DIR', default: '.switchyard' },
  'admin-tls': { type: 'boolean', env: 'SWITCHYARD_ADMIN_TLS' },
  'admin-ca': { type: 'string', env: 'SWITCHYARD_ADMIN_CA' },
} as const;

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/**
 * Where and how to reach the admin API. The credential is, in order: --admin-token,
 * SWITCHYARD_ADMIN_TOKEN, then `<data-dir>/admin-token` (--data-dir, SWITCHYARD_DATA_DIR or
 * ./.switchyard, as for serve). An https address (or --admin-tls) trusts --admin-ca, else
 * `<data-dir>/admin-ca.pem` when serve wrote one, else the system's roots.
 */
export function adminTargetFromFlags(flags: ParsedFlags): AdminTarget {
  const address = stringFlag(flags, 'admin-address')!;
  let baseUrl = adminBaseUrl(address);
  if (!baseUrl) throw new UsageError(`--admin-address: expected HOST:PORT or an http(s):// URL, got "${address}"`);
  if (flags.values['admin-tls'] === true) baseUrl = baseUrl.replace(/^http:/, 'https:');
  const dataDir = stringFlag(flags, 'data-dir') ?? '.switchyard';
  const token = stringFlag(flags, 'admin-token') ?? readIfPresent(path.join(dataDir, ADMIN_TOKEN_FILE))?.trim();
  const caFile = stringFlag(flags, 'admin-ca');
  let ca: string | undefined;
  if (baseUrl.startsWith('https:')) {
    if (caFile !== undefined) {
      ca = readIfPresent(caFile);
      if (ca === undefined) throw new UsageError(`--admin-ca: ${caFile} does not exist`);
    } else {
      ca = readIfPresent(path.join(dataDir, ADMIN_CA_FILE));
    }
  }
  return { baseUrl, ...(token && { token }), ...(ca !== undefined && { ca }) };
}

/** A failure talking to the admin API: unreachable (no status) or a refusal with the server's words. */
export class AdminError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface AdminClient {
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', pathname: string, body?: unknown): Promise<T>;
}

/** For commands that act on a running server: answers as values, failures as AdminError. */
export function adminClient(target: AdminTarget): AdminClient {
  const { baseUrl } = target;
  return {
    async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', pathname: string, body?: unknown): Promise<T> {
      const result = await callAdmin(target, method, pathname, body);
      if (result.kind === 'unreachable') {
        throw new AdminError(`cannot reach the admin API at ${baseUrl} (${result.message}); is switchyard serve running? (--admin-address)`);
      }
      if (result.status >= 400) {
        const err = adminErrorOf(result.body);
        const hint =
          result.status === 401 && !target.token
            ? " (no ACL token found: pass --admin-token, set SWITCHYARD_ADMIN_TOKEN, or point --data-dir at the server's data dir)"
            : '';
        throw new AdminError(`${err?.message ?? `${method} ${pathname}: HTTP ${result.status}`}${hint}`, result.status, err?.field ?? undefined);
      }
      return result.body as T;
    },
  };
}

/** Exit code for an admin failure: 1 when unreachable, missing (404) or a server fault; 2 when the server refused our input. */
export function exitCodeFor(err: AdminError): number {
  return err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 404 ? 2 : 1;
}

export function requirePositional(command: string, positionals: string[], names: string[]): string[] {
  if (positionals.length < names.length) throw new UsageError(`${command}: missing ${names.slice(positionals.length).join(' and ')}`);
  if (positionals.length > names.length) throw new UsageError(`${command}: unexpected argument "${positionals[names.length]}"`);
  return positionals;
}
