// What a route file hands the admin server: plain data plus a handler, so the metrics, proxy,
// token and CA routes can live in their own files and be composed by the caller.

import type { IncomingHttpHeaders } from 'node:http';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminRequest {
  readonly method: HttpMethod;
  /** The request path as sent (still percent-encoded), without the query string. */
  readonly path: string;
  /** Values of the `{name}` segments of the route's path, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when the request had none. */
  readonly body: unknown;
  /** The name of the ACL token the request was made with (routes that need one). */
  readonly caller?: string;
}

interface ResponseBase {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface JsonResponse extends ResponseBase {
  readonly json: unknown;
}

/** For non-JSON bodies such as Prometheus text or PEM. */
export interface TextResponse extends ResponseBase {
  readonly text: string;
  readonly contentType: string;
}

/** Static files (the console's bundle). */
export interface BytesResponse extends ResponseBase {
  readonly bytes: Buffer;
  readonly contentType: string;
}

/**
 * A response written over time (server-sent events): the server writes the status and headers,
 * then hands over the response; `start` returns how to stop when the client goes away.
 */
export interface StreamResponse extends ResponseBase {
  readonly contentType: string;
  readonly start: (write: (chunk: string) => void) => () => void;
}

export type AdminResponse = JsonResponse | TextResponse | BytesResponse | StreamResponse | ResponseBase;

/** A handler may throw a RegistryError; the server answers it with the matching status. */
export type RouteHandler = (request: AdminRequest) => AdminResponse | Promise<AdminResponse>;

/**
 * What a route demands of the caller:
 * - `public`: nothing (liveness, readiness, and /metrics when --public-metrics);
 * - `xds-token`: the handler checks a workload's xDS token itself (POST /v1/certificates);
 * - `rule`: an ACL token holding this rule, computed per request when it depends on the service
 *   being acted on (the body has been parsed by then).
 */
export type RouteAccess =
  | { readonly kind: 'public'; readonly why: string }
  | { readonly kind: 'xds-token' }
  | { readonly kind: 'rule'; readonly rule: string | ((request: AdminRequest) => string) };

export const access = {
  public: (why: string): RouteAccess => ({ kind: 'public', why }),
  xdsToken: (): RouteAccess => ({ kind: 'xds-token' }),
  rule: (rule: string | ((request: AdminRequest) => string)): RouteAccess => ({ kind: 'rule', rule }),
};

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** Literal segments and `{name}` parameters, e.g. `/v1/services/{service}`. */
  readonly path: string;
  readonly handler: RouteHandler;
  /**
   * Who may call it. Required on every route, so a new route cannot forget access control: the
   * server also refuses to start with a route that lacks it (a route built as plain data, or in JS).
   */
  readonly access: RouteAccess;
}

export function jsonResponse(status: number, json: unknown, headers?: Readonly<Record<string, string>>): JsonResponse {
  return headers ? { status, json, headers } : { status, json };
}

export function textResponse(status: number, text: string, contentType: string): TextResponse {
  return { status, text, contentType };
}

export function emptyResponse(status: number): AdminResponse {
  return { status };
}
