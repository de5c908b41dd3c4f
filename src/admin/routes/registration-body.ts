// The PUT body: the registry's registration, except that `ttl` is a duration string ("30s")
// as everywhere else users write durations.

import { formatDuration, parseDuration } from '../../util/durations';
import type { InstanceRegistration } from '../../model/instance';
import { invalidArgument, type RegistryError } from '../../registry/errors';
import { MAX_TTL_MS, MIN_TTL_MS, parseInstanceRegistration } from '../../registry/validation';

const BODY_FIELDS: ReadonlySet<string> = new Set(['address', 'port', 'labels', 'weight', 'zone', 'region', 'ttl']);

function parseTtl(value: unknown): number | RegistryError {
  if (typeof value !== 'string') {
    return invalidArgument('ttl', `ttl must be a duration string such as "30s", got ${JSON.stringify(value)}`);
  }
  const parsed = parseDuration(value);
  if (!parsed.ok) return invalidArgument('ttl', `ttl "${value}" ${parsed.reason}`);
  if (parsed.ms < MIN_TTL_MS || parsed.ms > MAX_TTL_MS) {
    return invalidArgument('ttl', `ttl must be from ${formatDuration(MIN_TTL_MS)} to ${formatDuration(MAX_TTL_MS)}, got "${value}"`);
  }
  return parsed.ms;
}

export function parseRegistrationBody(body: unknown): InstanceRegistration | RegistryError {
  if (body === undefined) {
    return invalidArgument('body', 'a JSON body is required: {"address": ..., "port": ..., "labels"?, "weight"?, "zone"?, "region"?, "ttl"?}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return invalidArgument('body', 'the body must be a JSON object');
  }
  const { ttl, ...rest } = body as Record<string, unknown>;
  // Typos such as "adress" would otherwise silently register something other than intended.
  for (const key of Object.keys(body)) {
    if (!BODY_FIELDS.has(key)) return invalidArgument(key, `unknown field "${key}"; expected address, port, labels, weight, zone, region or ttl`);
  }
  const fields: Record<string, unknown> = { ...rest };
  if (ttl !== undefined && ttl !== null) {
    const ttlMs = parseTtl(ttl);
    if (typeof ttlMs !== 'number') return ttlMs;
    fields.ttlMs = ttlMs;
  }
  return parseInstanceRegistration(fields);
}
