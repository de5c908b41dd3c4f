import { UsageError } from './io';
import { parseHostPort } from './flags';

export const ADMIN_FLAGS = {
  'admin-address': { type: 'string', env: 'SWITCHYARD_ADMIN_ADDRESS', default: '127.0.0.1:18080' },
  'admin-token': { type: 'string', env: 'SWITCHYARD_ADMIN_TOKEN' },
} as const;

/** A failure talking to the admin API: unreachable (exit 1) or a refusal with the server's words. */
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
  request<T>(method: string, pathname: string, body?: unknown): Promise<T>;
  text(pathname: string): Promise<string>;
}

export function adminClient(address: string, token?: string): AdminClient {
  const { host, port } = parseHostPort(address, 'admin-address');
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const send = async (method: string, pathname: string, body?: unknown): Promise<Response> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      return await fetch(`${base}${pathname}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new AdminError(`cannot reach the admin API at ${base} (${cause}); is switchyard serve running? (--admin-address)`);
    }
  };
  return {
    async request<T>(method: string, pathname: string, body?: unknown): Promise<T> {
      const res = await send(method, pathname, body);
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        throw new AdminError(`${method} ${pathname}: the server answered ${res.status} with a body that is not JSON`, res.status);
      }
      if (!res.ok) {
        const err = (parsed as { error?: { message?: string; field?: string } } | undefined)?.error;
        throw new AdminError(err?.message ?? `${method} ${pathname}: HTTP ${res.status}`, res.status, err?.field);
      }
      return parsed as T;
    },
    async text(pathname: string): Promise<string> {
      const res = await send('GET', pathname);
      if (!res.ok) throw new AdminError(`GET ${pathname}: HTTP ${res.status}`, res.status);
      return res.text();
    },
  };
}

/** Exit code for an admin failure: 2 when the server refused our input, 1 otherwise (SPEC §1). */
export function exitCodeFor(err: AdminError): number {
  return err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 404 ? 2 : 1;
}

export function requirePositional(command: string, positionals: string[], names: string[]): string[] {
  if (positionals.length < names.length) throw new UsageError(`${command}: missing ${names.slice(positionals.length).join(' and ')}`);
  if (positionals.length > names.length) throw new UsageError(`${command}: unexpected argument "${positionals[names.length]}"`);
  return positionals;
}
