// routes: ordered rules, first match wins, each splitting traffic over subsets by weight.

import type {
  FaultInjection,
  HeaderMutation,
  RouteHeaders,
  RetryBudget,
  RetryPolicy,
  Route,
  RouteDestination,
  RouteMatch,
  ServiceProtocol,
} from '../model/mesh';
import {
  MapFields,
  NON_NEGATIVE,
  POSITIVE,
  readDuration,
  readEntries,
  readInteger,
  readList,
  readPercentage,
  readString,
  type Field,
  type IntegerRange,
} from './fields';
import { headerNameProblem } from './names';
import { definedOnly } from './objects';
import { childPath, type MeshSource } from './source';
import { closestMatch } from '../util/suggest';

/** Envoy's HTTP and gRPC `retry_on` conditions; anything else would be silently ignored. */
export const HTTP_RETRY_CONDITIONS = [
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
] as const;
export const GRPC_RETRY_CONDITIONS = ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'] as const;
const RETRY_CONDITIONS: readonly string[] = [...HTTP_RETRY_CONDITIONS, ...GRPC_RETRY_CONDITIONS];

export function readRoutes(src: MeshSource, f: Field, protocol: ServiceProtocol | undefined): Route[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  const routes: Route[] = [];
  for (const item of items) {
    const route = readRoute(src, item, protocol);
    if (route) routes.push(route);
  }
  return routes;
}

function readRoute(src: MeshSource, f: Field, protocol: ServiceProtocol | undefined): Route | undefined {
  const fields = MapFields.read(src, f, ['match', 'destinations', 'timeout', 'retries', 'fault', 'headers', 'mirror']);
  if (!fields) return undefined;
  const match = fields.read('match', (v) => readMatch(src, v)) ?? {};
  if (protocol === 'tcp') rejectHttpOnlyFields(src, fields);
  const destinations =
    fields.require('destinations', (v) => readDestinations(src, v), 'where the matched traffic goes, e.g. [ { subset: v1, weight: 100 } ]') ?? [];
  const route = definedOnly<Route>({
    match,
    destinations,
    timeoutMs: fields.read('timeout', (v) => readDuration(src, v, { allowZero: true })),
    retries: fields.read('retries', (v) => readRetries(src, v)),
    fault: fields.read('fault', (v) => readFault(src, v)),
    headers: fields.read('headers', (v) => readRouteHeaders(src, v)),
    mirror: fields.read('mirror', (v) => {
      const m = MapFields.read(src, v, ['service', 'subset', 'percent']);
      if (!m) return undefined;
      const service = m.require('service', (x) => readString(src, x), 'the service that gets the copies');
      const subset = m.read('subset', (x) => readString(src, x));
      // Mirroring everything is a common first step, so percent defaults to all.
      const percent = m.has('percent') ? m.read('percent', (x) => readPercentage(src, x)) : 100;
      return service === undefined || percent === undefined ? undefined : definedOnly({ service, subset, percent });
    }),
  });
  return src.place(route, f.path);
}

// A tcp route can only split connections by weight: there is no request to match, time or retry.
function rejectHttpOnlyFields(src: MeshSource, fields: MapFields): void {
  for (const key of ['timeout', 'retries', 'fault', 'headers', 'mirror'] as const) {
    const f = fields.field(key);
    if (f) src.error(f.path, f.at, `tcp services have no requests to apply ${key} to; a tcp route can only split traffic by weight`);
  }
  const match = fields.field('match');
  if (!match) return;
  // readMatch has run, so every key it found has a remembered place.
  for (const key of ['pathPrefix', 'path', 'headers'] as const) {
    const path = childPath(match.path, key);
    const at = src.keyLocations.get(path);
    if (at) src.error(path, at, `tcp services cannot match on ${key}; a tcp route can only split traffic by weight`);
  }
}

export function readMatch(src: MeshSource, f: Field): RouteMatch | undefined {
  const fields = MapFields.read(src, f, ['pathPrefix', 'path', 'headers']);
  if (!fields) return undefined;
  const pathPrefix = fields.read('pathPrefix', (v) => readUrlPath(src, v));
  const path = fields.read('path', (v) => readUrlPath(src, v));
  const both = fields.field('path');
  if (fields.has('pathPrefix') && both) {
    src.error(both.path, both.at, 'set either path or pathPrefix, not both');
  }
  return definedOnly<RouteMatch>({ pathPrefix, path, headers: fields.read('headers', (v) => readHeaders(src, v)) });
}

function readUrlPath(src: MeshSource, f: Field): string | undefined {
  const value = readString(src, f);
  if (value === undefined) return undefined;
  if (value.startsWith('/')) return value;
  src.error(f.path, f.at, `${JSON.stringify(value)} must start with "/"`);
  return undefined;
}

function readHeaders(src: MeshSource, f: Field): Record<string, string> | undefined {
  const entries = readEntries(src, f);
  if (!entries) return undefined;
  const headers: Record<string, string> = {};
  for (const entry of entries) {
    const nameProblem = headerNameProblem(entry.key);
    if (nameProblem) src.error(entry.value.path, entry.keyAt, nameProblem);
    const value = entry.value.broken ? undefined : readString(src, entry.value);
    if (value !== undefined && !nameProblem) headers[entry.key] = value;
  }
  return headers;
}

function readDestinations(src: MeshSource, f: Field): RouteDestination[] | undefined {
  const items = readList(src, f);
  if (!items) return undefined;
  if (items.length === 0) {
    src.error(f.path, f.at, 'a route needs at least one destination');
    return undefined;
  }
  const destinations: RouteDestination[] = [];
  for (const item of items) {
    const fields = MapFields.read(src, item, ['subset', 'weight']);
    if (!fields) continue;
    const subset = fields.read('subset', (v) => readString(src, v));
    // A lone destination takes all the traffic, so its weight may go unsaid.
    const weight =
      items.length === 1 && !fields.has('weight')
        ? 100
        : fields.require('weight', (v) => readInteger(src, v, NON_NEGATIVE), 'a route with several destinations needs a weight on each, summing to 100');
    if (weight !== undefined) destinations.push(src.place(definedOnly<RouteDestination>({ subset, weight }), item.path));
  }
  return destinations;
}

export function readRetries(src: MeshSource, f: Field): RetryPolicy | undefined {
  const fields = MapFields.read(src, f, ['attempts', 'perTryTimeout', 'retryOn', 'budget']);
  if (!fields) return undefined;
  const attempts = fields.require('attempts', (v) => readInteger(src, v, POSITIVE), 'how many times to retry (omit retries for none)');
  const perTryTimeoutMs = fields.read('perTryTimeout', (v) => readDuration(src, v, { allowZero: false }));
  const retryOn = fields.read('retryOn', (v) => readRetryOn(src, v));
  const budget = fields.read('budget', (v) => {
    const b = MapFields.read(src, v, ['percent', 'minConcurrency']);
    if (!b) return undefined;
    const percent = b.require('percent', (x) => readPercentage(src, x), 'retries allowed at once, as a percent of active requests, e.g. 20');
    const minConcurrency = b.read('minConcurrency', (x) => readInteger(src, x, POSITIVE));
    return percent === undefined ? undefined : src.place(definedOnly<RetryBudget>({ percent, minConcurrency }), v.path);
  });
  if (attempts === undefined) return undefined;
  return definedOnly<RetryPolicy>({ attempts, perTryTimeoutMs, retryOn, budget });
}

function readRetryOn(src: MeshSource, f: Field): string | undefined {
  const value = readString(src, f);
  if (value === undefined) return undefined;
  const conditions = value.split(',').map((c) => c.trim());
  let valid = true;
  for (const condition of conditions) {
    if (RETRY_CONDITIONS.includes(condition)) continue;
    valid = false;
    const guess = condition === '' ? undefined : closestMatch(condition, RETRY_CONDITIONS);
    const hint = guess ? `did you mean ${guess}?` : `Envoy knows ${RETRY_CONDITIONS.join(', ')}`;
    const what = condition === '' ? 'an empty retry condition' : `unknown retry condition ${JSON.stringify(condition)}`;
    src.error(f.path, f.at, `${what}; ${hint}`);
  }
  // Normalised so "5xx, reset" and "5xx,reset" are the same policy downstream.
  return valid ? conditions.join(',') : undefined;
}

// gRPC status codes other than OK (1 CANCELLED .. 16 UNAUTHENTICATED).
const GRPC_STATUS: IntegerRange = { min: 1, max: 16, meaning: 'a gRPC status code from 1 (CANCELLED) to 16 (UNAUTHENTICATED)' };
// Envoy's FaultAbort.http_status must be in [200, 600).
const HTTP_STATUS: IntegerRange = { min: 200, max: 599, meaning: 'an HTTP status from 200 to 599' };

function readFault(src: MeshSource, f: Field): FaultInjection | undefined {
  const fields = MapFields.read(src, f, ['delay', 'abort']);
  if (!fields) return undefined;
  if (!fields.has('delay') && !fields.has('abort')) {
    src.error(f.path, f.at, 'a fault needs a delay, an abort or both, e.g. { abort: { httpStatus: 503, percent: 5 } }');
    return undefined;
  }
  const delay = fields.read('delay', (v) => {
    const d = MapFields.read(src, v, ['fixed', 'percent']);
    if (!d) return undefined;
    const fixedMs = d.require('fixed', (x) => readDuration(src, x, { allowZero: false }), 'how long to hold each delayed request, e.g. 2s');
    const percent = d.require('percent', (x) => readPercentage(src, x), 'the share of requests to delay, e.g. 10');
    return fixedMs === undefined || percent === undefined ? undefined : { fixedMs, percent };
  });
  const abort = fields.read('abort', (v) => {
    const a = MapFields.read(src, v, ['httpStatus', 'grpcStatus', 'percent']);
    if (!a) return undefined;
    const httpStatus = a.read('httpStatus', (x) => readInteger(src, x, HTTP_STATUS));
    const grpcStatus = a.read('grpcStatus', (x) => readInteger(src, x, GRPC_STATUS));
    const percent = a.require('percent', (x) => readPercentage(src, x), 'the share of requests to abort, e.g. 5');
    if (a.has('httpStatus') === a.has('grpcStatus')) {
      src.error(
        v.path,
        v.at,
        a.has('httpStatus') ? 'set httpStatus or grpcStatus, not both' : 'an abort needs httpStatus (e.g. 503) or grpcStatus (e.g. 14, UNAVAILABLE)',
      );
      return undefined;
    }
    if (percent === undefined || (httpStatus === undefined && grpcStatus === undefined)) return undefined;
    return definedOnly({ httpStatus, grpcStatus, percent });
  });
  if ((fields.has('delay') && !delay) || (fields.has('abort') && !abort)) return undefined;
  return definedOnly<FaultInjection>({ delay, abort });
}

function readRouteHeaders(src: MeshSource, f: Field): RouteHeaders | undefined {
  const fields = MapFields.read(src, f, ['request', 'response']);
  if (!fields) return undefined;
  return definedOnly<RouteHeaders>({
    request: fields.read('request', (v) => readHeaderMutation(src, v)),
    response: fields.read('response', (v) => readHeaderMutation(src, v)),
  });
}

/** The proxy owns these: pseudo-headers and Host cannot be rewritten through header lists. */
function protectedHeaderProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.startsWith(':') || lower === 'host') return `${name} cannot be changed here: Envoy refuses to modify pseudo-headers and Host through header lists`;
  return undefined;
}

function readHeaderMutation(src: MeshSource, f: Field): HeaderMutation | undefined {
  const fields = MapFields.read(src, f, ['set', 'add', 'remove']);
  if (!fields) return undefined;
  const readValues = (v: Field): Record<string, string> | undefined => {
    const entries = readEntries(src, v);
    if (!entries) return undefined;
    const out: Record<string, string> = {};
    for (const entry of entries) {
      const problem = headerNameProblem(entry.key) ?? protectedHeaderProblem(entry.key);
      if (problem) src.error(entry.value.path, entry.keyAt, problem);
      const value = entry.value.broken ? undefined : readString(src, entry.value);
      if (value !== undefined && /[\0\r\n]/.test(value)) src.error(entry.value.path, entry.value.at, 'a header value cannot contain NUL, CR or LF');
      else if (value !== undefined && !problem) out[entry.key.toLowerCase()] = value;
    }
    return out;
  };
  const remove = fields.read('remove', (v) => {
    const items = readList(src, v);
    if (!items) return undefined;
    const names: string[] = [];
    for (const item of items) {
      const name = readString(src, item);
      if (name === undefined) continue;
      const problem = headerNameProblem(name) ?? protectedHeaderProblem(name);
      if (problem) src.error(item.path, item.at, problem);
      else names.push(name.toLowerCase());
    }
    return names;
  });
  return definedOnly<HeaderMutation>({ set: fields.read('set', readValues), add: fields.read('add', readValues), remove });
}
