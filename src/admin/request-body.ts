// Reads and parses a JSON request body under a size limit. Problems come back as values so the
// server can answer with the exact reason (too large, not UTF-8, not JSON at line:column).

import type { IncomingMessage } from 'node:http';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export type BodyResult =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly reason: 'too_large' | 'invalid'; readonly message: string };

function tooLarge(limit: number): BodyResult {
  return { ok: false, reason: 'too_large', message: `request body is larger than the ${limit}-byte limit` };
}

function describeJsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message);
  if (!position) return `request body is not valid JSON: ${message}`;
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `request body is not valid JSON at line ${line}, column ${column}: ${message}`;
}

export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(maxBytes);

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) return tooLarge(maxBytes);
    chunks.push(buffer);
  }
  if (size === 0) return { ok: true, body: undefined };

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    return { ok: false, reason: 'invalid', message: 'request body is not valid UTF-8' };
  }
  if (text.trim() === '') return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: 'invalid', message: describeJsonError(text, error) };
  }
}
