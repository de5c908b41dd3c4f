// A small client for the admin API, for the CLI commands that act on a running server.
// Outcomes are values: the server answered (any status), or it could not be reached.
// node:http(s) rather than fetch, because an https admin API is signed by the mesh CA, which
// fetch cannot be told to trust per request.

import * as http from 'node:http';
import * as https from 'node:https';

export interface AdminTarget {
  /** e.g. `http://127.0.0.1:18080` or `https://…` with --admin-tls. */
  readonly baseUrl: string;
  /** An ACL token (or, for POST /v1/certificates, a workload's xDS token). */
  readonly token?: string;
  /** PEM bundle to trust for an https admin API (our CA's roots); the system's otherwise. */
  readonly ca?: string;
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
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  return error instanceof Error ? error.message : String(error);
}

export async function callAdmin(
  target: AdminTarget,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<AdminCallResult> {
  // Every write is JSON, body or not: the server refuses other content types (CSRF protection).
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['content-type'] = 'application/json';
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  const payload = body !== undefined ? JSON.stringify(body) : undefined;
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  const url = new URL(`${target.baseUrl}${path}`);
  const answer = await new Promise<{ status: number; contentType: string; text: string } | { error: string }>((resolve) => {
    const options: https.RequestOptions = { method, headers, timeout: timeoutMs, ...(target.ca !== undefined && { ca: target.ca }) };
    const request = (url.protocol === 'https:' ? https : http).request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', (error) => resolve({ error: `the connection broke while reading the answer (${causeOf(error)})` }));
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('no answer in time'), { name: 'TimeoutError' })));
    request.on('error', (error) => resolve({ error: causeOf(error) }));
    request.end(payload);
  });
  if ('error' in answer) return { kind: 'unreachable', message: answer.error };
  const { text } = answer;
  let parsed: unknown = text;
  if (text !== '' && answer.contentType.includes('json')) {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = text;
    }
  }
  return { kind: 'answered', status: answer.status, body: text === '' ? undefined : parsed };
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
