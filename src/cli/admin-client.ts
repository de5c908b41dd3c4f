import { adminBaseUrl, adminErrorOf, callAdmin } from '../admin/client';
import { UsageError } from './io';

export const ADMIN_FLAGS = {
  'admin-address': { type: 'string', env: 'SWITCHYARD_ADMIN_ADDRESS', default: '127.0.0.1:18080' },
  'admin-token': { type: 'string', env: 'SWITCHYARD_ADMIN_TOKEN' },
} as const;

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

/** For read commands (status, config-dump): answers as values, failures as AdminError. */
export function adminClient(address: string, token?: string): AdminClient {
  const baseUrl = adminBaseUrl(address);
  if (!baseUrl) throw new UsageError(`--admin-address: expected HOST:PORT or an http:// URL, got "${address}"`);
  return {
    async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', pathname: string, body?: unknown): Promise<T> {
      const result = await callAdmin({ baseUrl, token }, method, pathname, body);
      if (result.kind === 'unreachable') {
        throw new AdminError(`cannot reach the admin API at ${baseUrl} (${result.message}); is switchyard serve running? (--admin-address)`);
      }
      if (result.status >= 400) {
        const err = adminErrorOf(result.body);
        throw new AdminError(err?.message ?? `${method} ${pathname}: HTTP ${result.status}`, result.status, err?.field ?? undefined);
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
