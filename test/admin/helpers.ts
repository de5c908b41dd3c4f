import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { startAdminServer, type AdminServer } from '../../src/admin/http-server';
import { AccessControl } from '../../src/admin/acl';
import { MemoryAclStore } from '../../src/admin/acl-store';
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
  readonly access: AccessControl;
  /** The management token's secret; `call` sends it unless told otherwise. */
  readonly adminToken: string;
  close(): Promise<void>;
}

/** The management secret of each running test admin, by URL, so `call` can authenticate. */
const tokensByUrl = new Map<string, string>();

export interface TestAdminOptions {
  /** The management token's secret (a fixed test value when absent). */
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
  const access = new AccessControl(new MemoryAclStore());
  const adminToken = options.adminToken ?? 'test-admin-management-token';
  await access.setManagementSecret(adminToken);
  const server = await startAdminServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    access,
    ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    routes: [
      ...healthRoutes({ checks: options.checks ?? [] }),
      ...registryRoutes({ registry: store, ...(meshServices && { meshServices: () => meshServices }) }),
      ...(options.extraRoutes ?? []),
    ],
  });
  tokensByUrl.set(server.url, adminToken);
  return {
    url: server.url,
    server,
    store,
    dataDir,
    access,
    adminToken,
    close: async () => {
      tokensByUrl.delete(server.url);
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

export async function call(url: string, method: string, requestPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<CallResult> {
  // As the management token, with a JSON content type on writes, unless the test says otherwise
  // (a header given as '' is left out, e.g. { authorization: '' } to call without a credential).
  const token = tokensByUrl.get(url);
  const defaults: Record<string, string> = {
    ...(token !== undefined && { authorization: `Bearer ${token}` }),
    ...(method !== 'GET' && method !== 'HEAD' && { 'content-type': 'application/json' }),
  };
  const merged = Object.fromEntries(Object.entries({ ...defaults, ...headers }).filter(([, v]) => v !== ''));
  const init: RequestInit = { method, headers: merged };
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
