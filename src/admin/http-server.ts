// The admin HTTP server: routing, the request guard (Host, Origin, content type), ACL tokens,
// JSON bodies and the documented error shape are handled here once, so route files only deal
// with their own resources and declare the rule they need.

import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { isRegistryError } from '../registry/errors';
import { grants, type AccessControl } from './acl';
import { RequestGuard } from './request-guard';
import { errorResponse, registryErrorResponse } from './errors';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './request-body';
import type { AdminResponse, HttpMethod, RouteDefinition } from './route';
import { Router } from './router';

export interface AdminServerOptions {
  readonly host: string;
  /** 0 picks a free port; read the real one from `address`. */
  readonly port: number;
  readonly routes: readonly RouteDefinition[];
  readonly logger: Logger;
  /** Checks ACL tokens; every route that is not public needs one (or an xDS token, see RouteAccess). */
  readonly access: AccessControl;
  /** Host names clients may use besides the bound address (DNS rebinding protection). */
  readonly allowedHosts?: readonly string[];
  /** Serve HTTPS with this certificate (replaceable while running with `setCertificate`). */
  readonly tls?: TlsPair;
  readonly maxBodyBytes?: number;
  /** Told of every write an ACL token made that succeeded: the history's audit trail. */
  readonly audit?: (write: { method: string; path: string; caller: string; body: unknown; status: number }) => void;
}

export interface TlsPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface AdminServer {
  readonly address: { readonly host: string; readonly port: number };
  /** e.g. `http://127.0.0.1:18080`, with IPv6 hosts in brackets. */
  readonly url: string;
  /** Replaces the TLS certificate for new connections (renewal); no-op without TLS. */
  setCertificate(pair: TlsPair): void;
  /** Stops accepting connections, lets in-flight requests finish briefly, then closes. */
  close(): Promise<void>;
}

const METHODS: ReadonlySet<string> = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const CLOSE_GRACE_MS = 2_000;

/** Open event streams, ended first when the server closes so a console never delays a shutdown. */
const openStreams = new WeakMap<http.Server, Set<http.ServerResponse>>();

function send(response: http.ServerResponse, result: AdminResponse, headOnly: boolean, streams?: Set<http.ServerResponse>): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...result.headers };
  if ('start' in result) {
    response.writeHead(result.status, { ...headers, 'content-type': result.contentType, 'x-accel-buffering': 'no' });
    if (headOnly) {
      response.end();
      return;
    }
    const stop = result.start((chunk) => response.write(chunk));
    streams?.add(response);
    response.on('close', () => {
      streams?.delete(response);
      stop();
    });
    return;
  }
  let payload: string | Buffer | undefined;
  if ('bytes' in result) {
    headers['content-type'] = result.contentType;
    payload = result.bytes;
  } else if ('json' in result) {
    headers['content-type'] = 'application/json; charset=utf-8';
    payload = `${JSON.stringify(result.json)}\n`;
  } else if ('text' in result) {
    headers['content-type'] = result.contentType;
    payload = result.text;
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  response.writeHead(result.status, headers);
  response.end(headOnly ? undefined : payload);
}

/** Every route must say who may call it; a route without that is a programming error caught at start. */
function checkDeclaredAccess(routes: readonly RouteDefinition[]): void {
  for (const route of routes) {
    const a = (route as Partial<RouteDefinition>).access;
    const ok =
      a !== undefined &&
      (a.kind === 'xds-token' ||
        (a.kind === 'public' && typeof a.why === 'string') ||
        (a.kind === 'rule' && (typeof a.rule === 'string' || typeof a.rule === 'function')));
    if (!ok) throw new Error(`admin route ${route.method} ${route.path} declares no access rule; every route must (see RouteAccess in src/admin/route.ts)`);
  }
}

async function handle(
  request: http.IncomingMessage,
  router: Router,
  options: AdminServerOptions,
  guard: () => RequestGuard,
  logger: Logger,
): Promise<AdminResponse> {
  const url = new URL(request.url ?? '/', 'http://admin.invalid');
  const verdict = guard().check(request.method ?? '', request.headers);
  if (!verdict.ok) return errorResponse('permission_denied', verdict.message, verdict.field);
  // HEAD is answered by the GET route without the body, as HTTP requires.
  const rawMethod = request.method === 'HEAD' ? 'GET' : (request.method ?? '');
  if (!METHODS.has(rawMethod)) {
    const allowed = router.allowedMethods(url.pathname);
    if (allowed.length === 0) return errorResponse('not_found', `no admin route for ${url.pathname}`);
    return errorResponse('method_not_allowed', `${request.method} is not supported on ${url.pathname}`, undefined, {
      allow: allowed.join(', '),
    });
  }
  const method = rawMethod as HttpMethod;
  const match = router.match(method, url.pathname);
  switch (match.kind) {
    case 'not_found':
      return errorResponse('not_found', `no admin route for ${method} ${url.pathname}`);
    case 'method_not_allowed':
      return errorResponse('method_not_allowed', `${method} is not supported on ${url.pathname}`, undefined, {
        allow: match.allowed.join(', '),
      });
    case 'bad_path':
      return errorResponse('invalid_argument', match.message, match.param);
    case 'matched':
      break;
  }

  // Who is calling is settled before the body is read, so an unauthenticated caller gets a 401
  // and never costs us a body parse.
  const routeAccess = match.route.access;
  let holder: { name: string; rules: readonly string[] } | undefined;
  if (routeAccess.kind === 'rule') {
    const check = options.access.authenticate(request.headers.authorization);
    if (!check.ok) return errorResponse('unauthenticated', check.message, 'authorization', { 'www-authenticate': 'Bearer' });
    holder = check.token;
  }

  const body = await readJsonBody(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  if (!body.ok) {
    // The rest of an oversized body is never read, so the connection cannot be reused.
    if (body.reason === 'too_large') return errorResponse('payload_too_large', body.message, 'body', { connection: 'close' });
    return errorResponse('invalid_argument', body.message, 'body');
  }

  const adminRequest = {
    method,
    path: url.pathname,
    params: match.params,
    query: url.searchParams,
    headers: request.headers,
    body: body.body,
    ...(holder && { caller: holder.name }),
  };
  if (routeAccess.kind === 'rule' && holder !== undefined) {
    const required = typeof routeAccess.rule === 'string' ? routeAccess.rule : routeAccess.rule(adminRequest);
    if (!grants(holder.rules, required)) {
      return errorResponse(
        'permission_denied',
        `ACL token "${holder.name}" lacks the rule "${required}" needed for ${method} ${url.pathname}`,
        'authorization',
      );
    }
  }

  try {
    const response = await match.route.handler(adminRequest);
    if (holder && method !== 'GET' && response.status < 400) {
      try {
        options.audit?.({ method, path: url.pathname, caller: holder.name, body: body.body, status: response.status });
      } catch (error) {
        logger.error({ err: error }, 'recording an admin write in the history failed');
      }
    }
    return response;
  } catch (error) {
    if (isRegistryError(error)) return registryErrorResponse(error);
    logger.error({ err: error, method, path: url.pathname }, 'admin route failed');
    return errorResponse('internal', 'internal error while handling the request; the server log has the details');
  }
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  checkDeclaredAccess(options.routes);
  const router = new Router(options.routes);
  const logger = options.logger.child({ component: 'admin' });
  // The guard needs the real port, known only once listening (port 0 picks one).
  // Built once now so a malformed --admin-allowed-host fails before anything listens.
  let requestGuard = new RequestGuard({ bindHost: options.host, port: options.port, tls: options.tls !== undefined, allowedHosts: options.allowedHosts });
  const guard = () => requestGuard;
  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const started = process.hrtime.bigint();
    handle(request, router, options, guard, logger)
      .catch((error: unknown): AdminResponse => {
        logger.error({ err: error }, 'admin request failed');
        return errorResponse('internal', 'internal error while handling the request; the server log has the details');
      })
      .then((result) => {
        send(response, result, request.method === 'HEAD', openStreams.get(server));
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.debug({ method: request.method, url: request.url, status: result.status, ms }, 'admin request');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not send admin response'));
  };
  // Idle keep-alive connections stay open longer than Node's fetch keeps them (4 s): a server that
  // closes an idle socket first races the client's next request on it, which then fails with
  // ECONNRESET. Node's default of 5 s lost that race under load.
  const serverOptions = { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 65_000 };
  const server = options.tls
    ? https.createServer({ ...serverOptions, cert: options.tls.certPem, key: options.tls.keyPem, minVersion: 'TLSv1.2' }, onRequest)
    : http.createServer(serverOptions, onRequest);

  openStreams.set(server, new Set());
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const where = `${options.host}:${options.port}`;
      reject(new Error(error.code === 'EADDRINUSE' ? `admin address ${where} is already in use` : `cannot listen on admin address ${where}: ${error.message}`));
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'admin server error'));

  const info = server.address() as AddressInfo;
  const host = info.address;
  requestGuard = new RequestGuard({ bindHost: options.host, port: info.port, tls: options.tls !== undefined, allowedHosts: options.allowedHosts });
  const url = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${info.port}`;
  logger.info({ url }, 'admin API listening');

  return {
    address: { host, port: info.port },
    url,
    setCertificate: (pair) => {
      if (server instanceof https.Server) server.setSecureContext({ cert: pair.certPem, key: pair.keyPem, minVersion: 'TLSv1.2' });
    },
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
        for (const stream of openStreams.get(server) ?? []) stream.end();
      }),
  };
}
