// A small client for the admin API, for the CLI commands that act on a running server.
// Outcomes are values: the server answered (any status), or it could not be reached.

export interface AdminTarget {
  /** e.g. `http://127.0.0.1:18080`. */
  readonly baseUrl: string;
  readonly token?: string;
}

export type AdminCallResult =
  | { readonly kind: 'answered'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'unreachable'; readonly message: string };

export interface AdminErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly field: string | null;
}

/** `host:port`, `[v6]:port` or a full http(s) URL → base URL; undefined when malformed. */
export function adminBaseUrl(address: string): string | undefined {
  if (/^https?:\/\//.test(address)) {
    try {
      return new URL(address).origin;
    } catch {
      return undefined;
    }
  }
  const match = /^(?:\[([^\]]+)\]|([^:/\s]+)):(\d{1,5})$/.exec(address);
  if (!match || Number(match[3]) < 1 || Number(match[3]) > 65_535) return undefined;
  return match[1] !== undefined ? `http://[${match[1]}]:${match[3]}` : `http://${match[2]}:${match[3]}`;
}

/** Builds a path from segments, percent-encoding each one. */
export function adminPath(...segments: readonly string[]): string {
  return `/${segments.map(encodeURIComponent).join('/')}`;
}

function causeOf(error: unknown): string {
  // fetch wraps the socket error ("connect ECONNREFUSED …") in a generic "fetch failed".
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error && cause.name === 'TimeoutError') return 'no answer in time';
  return cause instanceof Error ? cause.message : String(cause);
}

export async function callAdmin(
  target: AdminTarget,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<AdminCallResult> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  let response: Response;
  try {
    response = await fetch(`${target.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { kind: 'unreachable', message: causeOf(error) };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { kind: 'unreachable', message: `the connection broke while reading the answer (${causeOf(error)})` };
  }
  let parsed: unknown = text;
  if (text !== '' && (response.headers.get('content-type') ?? '').includes('json')) {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = text;
    }
  }
  return { kind: 'answered', status: response.status, body: text === '' ? undefined : parsed };
}

/** The documented error object of an answer, when it has one. */
export function adminErrorOf(body: unknown): AdminErrorDetail | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, field } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return { code, message, field: typeof field === 'string' ? field : null };
}
