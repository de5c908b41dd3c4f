// routes: ordered rules, first match wins, each splitting traffic over subsets by weight.

import type { RetryPolicy, Route, RouteDestination, RouteMatch, ServiceProtocol } from '../model/mesh';
import { MapFields, NON_NEGATIVE, POSITIVE, readDuration, readEntries, readInteger, readList, readString, type Field } from './fields';
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
  const fields = MapFields.read(src, f, ['match', 'destinations', 'timeout', 'retries']);
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
  });
  return src.place(route, f.path);
}

// A tcp route can only split connections by weight: there is no request to match, time or retry.
function rejectHttpOnlyFields(src: MeshSource, fields: MapFields): void {
  for (const key of ['timeout', 'retries'] as const) {
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
  const fields = MapFields.read(src, f, ['attempts', 'perTryTimeout', 'retryOn']);
  if (!fields) return undefined;
  const attempts = fields.require('attempts', (v) => readInteger(src, v, POSITIVE), 'how many times to retry (omit retries for none)');
  const perTryTimeoutMs = fields.read('perTryTimeout', (v) => readDuration(src, v, { allowZero: false }));
  const retryOn = fields.read('retryOn', (v) => readRetryOn(src, v));
  if (attempts === undefined) return undefined;
  return definedOnly<RetryPolicy>({ attempts, perTryTimeoutMs, retryOn });
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
