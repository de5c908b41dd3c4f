// Input rules for registry writes. They run on every write, whoever the caller is (admin API,
// CLI, a future etcd sync), so values are checked as `unknown` rather than trusted by type.

import { isIP } from 'node:net';
import type { InstanceRegistration } from '../model/instance';
import { invalidArgument, type RegistryError } from './errors';

export const MIN_TTL_MS = 1_000;
export const MAX_TTL_MS = 24 * 60 * 60 * 1_000;
export const MIN_WEIGHT = 1;
export const MAX_WEIGHT = 128;
export const DEFAULT_WEIGHT = 1;
export const MAX_LABELS = 64;
/** Ids of the mesh file's static endpoints start with this, so registered ids never collide. */
export const STATIC_ID_PREFIX = 'static-';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const HOSTNAME_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// Kubernetes label name and value: alphanumerics at both ends, `-_.` inside, at most 63.
const LABEL_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const REGISTRATION_FIELDS = new Set(['address', 'port', 'labels', 'weight', 'zone', 'region', 'ttlMs']);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function checkDnsLabel(field: 'service' | 'id', value: unknown): RegistryError | undefined {
  if (typeof value !== 'string') return invalidArgument(field, `${field} must be a string, got ${describe(value)}`);
  if (value.length === 0) return invalidArgument(field, `${field} must not be empty`);
  if (value.length > 63) return invalidArgument(field, `${field} must be at most 63 characters, got ${value.length}`);
  if (!DNS_LABEL.test(value)) {
    return invalidArgument(
      field,
      `${field} ${describe(value)} must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
  return undefined;
}

export function checkServiceName(service: unknown): RegistryError | undefined {
  return checkDnsLabel('service', service);
}

export function checkInstanceId(id: unknown): RegistryError | undefined {
  const problem = checkDnsLabel('id', id);
  if (problem) return problem;
  if (typeof id === 'string' && id.startsWith(STATIC_ID_PREFIX)) {
    return invalidArgument('id', `id "${id}" starts with "${STATIC_ID_PREFIX}", which is reserved for the mesh file's static endpoints`);
  }
  return undefined;
}

function isHostname(value: string): boolean {
  if (value.length > 253) return false;
  const labels = (value.endsWith('.') ? value.slice(0, -1) : value).split('.');
  // An all-numeric dotted name is a mistyped IPv4 address, not a hostname.
  if (labels.every((label) => /^\d+$/.test(label))) return false;
  return labels.every((label) => HOSTNAME_LABEL.test(label));
}

export function checkAddress(value: unknown): RegistryError | undefined {
  if (typeof value !== 'string') return invalidArgument('address', `address must be a string, got ${describe(value)}`);
  if (value.length === 0) return invalidArgument('address', 'address must not be empty');
  const family = isIP(value);
  if (family !== 0) {
    // Envoy would accept these, but no proxy can send traffic to them.
    if (value === '0.0.0.0' || /^[:0]+$/.test(value)) {
      return invalidArgument('address', `address ${value} is the unspecified address; give the instance's reachable address`);
    }
    return undefined;
  }
  if (value.startsWith('[') && value.endsWith(']')) {
    return invalidArgument('address', `address ${value} must be written without brackets`);
  }
  if (!isHostname(value)) {
    return invalidArgument('address', `address ${describe(value)} is not an IPv4 address, an IPv6 address or a hostname`);
  }
  return undefined;
}

function checkIntegerInRange(field: string, value: unknown, min: number, max: number): RegistryError | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return invalidArgument(field, `${field} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return undefined;
}

function checkLabelKey(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    const prefixOk = prefix.length > 0 && prefix.length <= 253 && prefix.split('.').every((part) => DNS_LABEL.test(part));
    if (!prefixOk) return `label key "${key}" has an invalid prefix: it must be a lowercase DNS subdomain of at most 253 characters`;
  }
  if (!LABEL_NAME.test(name)) {
    return `label key "${key}" must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit (optionally after a "prefix/")`;
  }
  return undefined;
}

function checkLabelValue(key: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `label "${key}" must have a string value, got ${describe(value)}`;
  if (value !== '' && !LABEL_NAME.test(value)) {
    return `label "${key}" has value ${describe(value)}; values must be empty or at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Returns the labels with keys in sorted order, so equal label sets compare and persist equally. */
function parseLabels(value: unknown): Readonly<Record<string, string>> | RegistryError {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalidArgument('labels', `labels must be an object of string keys to string values, got ${describe(value)}`);
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS) return invalidArgument('labels', `labels may hold at most ${MAX_LABELS} entries, got ${entries.length}`);
  const sorted: Record<string, string> = {};
  for (const [key, labelValue] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const problem = checkLabelKey(key) ?? checkLabelValue(key, labelValue);
    if (problem) return invalidArgument(`labels.${key}`, problem);
    sorted[key] = labelValue as string;
  }
  return sorted;
}

export function checkZone(value: unknown, field: 'zone' | 'region' = 'zone'): RegistryError | undefined {
  if (typeof value !== 'string' || !LABEL_NAME.test(value)) {
    return invalidArgument(
      field,
      `${field} must be 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, got ${describe(value)}`,
    );
  }
  return undefined;
}

/**
 * Checks a registration from any source and returns it normalised (labels in key order,
 * absent optional fields omitted). `null` counts as absent for optional fields, as JSON
 * clients commonly send it.
 */
export function parseInstanceRegistration(value: unknown): InstanceRegistration | RegistryError {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalidArgument('registration', `a registration must be an object, got ${describe(value)}`);
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!REGISTRATION_FIELDS.has(key)) return invalidArgument(key, `unknown field "${key}"`);
  }
  if (input.address === undefined || input.address === null) return invalidArgument('address', 'address is required');
  const addressProblem = checkAddress(input.address);
  if (addressProblem) return addressProblem;
  if (input.port === undefined || input.port === null) return invalidArgument('port', 'port is required');
  const portProblem = checkIntegerInRange('port', input.port, 1, 65_535);
  if (portProblem) return portProblem;

  let labels: Readonly<Record<string, string>> | undefined;
  if (input.labels !== undefined && input.labels !== null) {
    const parsed = parseLabels(input.labels);
    if (parsed instanceof Error) return parsed;
    labels = parsed;
  }
  if (input.weight !== undefined && input.weight !== null) {
    const problem = checkIntegerInRange('weight', input.weight, MIN_WEIGHT, MAX_WEIGHT);
    if (problem) return problem;
  }
  if (input.zone !== undefined && input.zone !== null) {
    const problem = checkZone(input.zone);
    if (problem) return problem;
  }
  if (input.region !== undefined && input.region !== null) {
    const problem = checkZone(input.region, 'region');
    if (problem) return problem;
  }
  if (input.ttlMs !== undefined && input.ttlMs !== null) {
    const problem = checkIntegerInRange('ttlMs', input.ttlMs, MIN_TTL_MS, MAX_TTL_MS);
    if (problem) return problem;
  }
  return {
    address: input.address as string,
    port: input.port as number,
    ...(labels !== undefined && { labels }),
    ...(typeof input.weight === 'number' && { weight: input.weight }),
    ...(typeof input.zone === 'string' && { zone: input.zone }),
    ...(typeof input.region === 'string' && { region: input.region }),
    ...(typeof input.ttlMs === 'number' && { ttlMs: input.ttlMs }),
  };
}
