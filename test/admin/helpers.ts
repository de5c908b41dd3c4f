import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { startAdminServer, type AdminServer } from '../../src/admin/http-server';
import type { RouteDefinition } from '../../src/admin/route';
import { healthRoutes, type ReadinessCheck } from '../../src/admin/routes/health';
import { registryRoutes } from '../../src/admin/routes/registry';
import type { ServicePolicy } from '../../src/model/mesh';
import { EmbeddedStore } from '../../src/registry/embedded-store';

export const silentLogger = pino({ level: 'silent' });

export interface TestAdmin {
  readonly url: string;
  readonly server: AdminServer;
  readonly store: EmbeddedStore;
  readonly dataDir: string;
  close(): Promise<void>;
}

export interface TestAdminOptions {
  readonly adminToken?: string;
  readonly meshServices?: readonly ServicePolicy[];
  readonly checks?: readonly ReadinessCheck[];
  readonly extraRoutes?: readonly RouteDefinition[];
  readonly maxBodyBytes?: number;
}

/** A real admin server on a free loopback port, over a real store in a temporary data dir. */
export async function startTestAdmin(options: TestAdminOptions = {}): Promise<TestAdmin> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-admin-'));
  const store = await EmbeddedStore.open({ dataDir, logger: silentLogger });
  const meshServices = options.meshServices;
  const server = await startAdminServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    ...(options.adminToken !== undefined && { adminToken: options.adminToken }),
    ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    routes: [
      ...healthRoutes({ checks: options.checks ?? [] }),
      ...registryRoutes({ registry: store, ...(meshServices && { meshServices: () => meshServices }) }),
      ...(options.extraRoutes ?? []),
    ],
  });
  return {
    url: server.url,
    server,
    store,
    dataDir,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}

export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text ('' when empty). */
  readonly body: unknown;
}

export async function call(
  url: string,
  method: string,
  requestPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<CallResult> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${url}${requestPath}`, init);
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
  return { status: response.status, headers: response.headers, body: isJson && text !== '' ? (JSON.parse(text) as unknown) : text };
}

export interface ErrorBody {
  error: { code: string; message: string; field: string | null };
}

export function errorOf(result: CallResult): ErrorBody['error'] {
  return (result.body as ErrorBody).error;
}
