// Runs the real `switchyard serve` executable as a child process, for end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/**
 * The management token every server started here is given (SWITCHYARD_ADMIN_TOKEN, set for this
 * test process and so inherited by every `switchyard serve` and CLI child), so tests that use the
 * admin API authenticate without each one finding a data dir's admin-token file. Tests about
 * credentials themselves pass their own environment (e.g. SWITCHYARD_ADMIN_TOKEN: '').
 */
export const TEST_ADMIN_TOKEN = 'switchyard-test-management-token';
process.env.SWITCHYARD_ADMIN_TOKEN ??= TEST_ADMIN_TOKEN;

/** Headers for an admin API call as the management token: JSON content type on writes. */
export function adminHeaders(method = 'GET', token: string = process.env.SWITCHYARD_ADMIN_TOKEN ?? TEST_ADMIN_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...(method !== 'GET' && method !== 'HEAD' && { 'content-type': 'application/json' }) };
}

/** fetch against the admin API with the test management token (and JSON content type on writes). */
export function adminFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const method = init.method ?? 'GET';
  return fetch(url, { ...init, headers: { ...adminHeaders(method), ...(init.headers as Record<string, string> | undefined) } });
}
export const BIN = path.join(REPO_ROOT, 'bin/switchyard.js');

export interface ServeProcess {
  child: ChildProcess;
  xdsAddress: string;
  adminUrl: string;
  dataDir: string;
  logs: string[];
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function tempDir(prefix = 'switchyard-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Starts serve on loopback ports chosen by the OS and waits for its "switchyard serving" log line.
 * The xDS port is secure by default (TLS, proof required); tests about something else than xDS
 * access get `--insecure-xds` so their plaintext, token-less clients are served, and tests of
 * xDS access pass `secureXds: true` (see test/support/xds-credentials.ts for their clients).
 */
export async function startServe(
  args: string[],
  opts: { dataDir?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[]; secureXds?: boolean } = {},
): Promise<ServeProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  const xdsMode = opts.secureXds ? [] : ['--insecure-xds'];
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), BIN, 'serve', '--data-dir', dataDir, '--xds-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0', ...xdsMode, ...args],
    {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<{ xds: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${logs.join('\n')}`)), 20_000);
    const onLine = (line: string) => {
      logs.push(line);
      if (!line.includes('switchyard serving')) return;
      const entry = JSON.parse(line) as { xds: string; admin: string };
      clearTimeout(timer);
      resolve(entry);
    };
    readline.createInterface({ input: child.stdout! }).on('line', onLine);
    readline.createInterface({ input: child.stderr! }).on('line', (l) => logs.push(l));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready:\n${logs.join('\n')}`));
    });
  });
  const { xds, admin } = await ready;
  return {
    child,
    xdsAddress: xds,
    adminUrl: `${args.includes('--admin-tls') ? 'https' : 'http'}://${admin}`,
    dataDir,
    logs,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function adminJson(base: string, method: string, pathname: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await adminFetch(`${base}${pathname}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (e.g. /metrics)
  }
  return { status: res.status, body: parsed };
}
