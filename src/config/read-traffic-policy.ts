// trafficPolicy: how clients balance, connect to, limit and eject a service's instances.

import { isMap, isScalar } from 'yaml';
import type {
  CircuitBreaker,
  ConsistentHash,
  FailurePercentageEjection,
  LoadBalancer,
  OutlierDetection,
  TrafficPolicy,
} from '../model/mesh';
import {
  MapFields,
  NON_NEGATIVE,
  PERCENT,
  POSITIVE,
  readDuration,
  describe,
  readEnum,
  readInteger,
  readString,
  type Field,
} from './fields';
import { headerNameProblem } from './names';
import { definedOnly } from './objects';
import type { MeshSource } from './source';

export const LOAD_BALANCERS: readonly LoadBalancer[] = ['round_robin', 'least_request', 'random', 'ring_hash', 'maglev'];

export function readTrafficPolicy(src: MeshSource, f: Field): TrafficPolicy | undefined {
  const fields = MapFields.read(src, f, ['loadBalancer', 'connectTimeout', 'circuitBreaker', 'outlierDetection']);
  if (!fields) return undefined;
  const balancer = fields.read('loadBalancer', (v) => readLoadBalancer(src, v));
  return definedOnly<TrafficPolicy>({
    loadBalancer: balancer?.loadBalancer,
    consistentHash: balancer?.consistentHash,
    connectTimeoutMs: fields.read('connectTimeout', (v) => readDuration(src, v, { allowZero: false })),
    circuitBreaker: fields.read('circuitBreaker', (v) => readCircuitBreaker(src, v)),
    outlierDetection: fields.read('outlierDetection', (v) => readOutlierDetection(src, v)),
  });
}

export const HASH_ALGORITHMS: readonly LoadBalancer[] = ['ring_hash', 'maglev'];

/**
 * `loadBalancer: least_request`, or for session affinity
 * `loadBalancer: { consistentHash: { header: x-user } , algorithm: maglev }` (ring_hash by default).
 */
function readLoadBalancer(src: MeshSource, f: Field): { loadBalancer?: LoadBalancer; consistentHash?: ConsistentHash } | undefined {
  if (!isMap(f.node)) {
    const loadBalancer = readEnum(src, f, LOAD_BALANCERS, 'a load balancer');
    return loadBalancer && { loadBalancer };
  }
  const fields = MapFields.read(src, f, ['consistentHash', 'algorithm']);
  if (!fields) return undefined;
  const consistentHash = fields.require('consistentHash', (v) => readConsistentHash(src, v), 'what to hash: { header: <name> }, { cookie: { name, ttl } } or { sourceIp: true }');
  const loadBalancer = fields.has('algorithm') ? fields.read('algorithm', (v) => readEnum(src, v, HASH_ALGORITHMS, 'a consistent-hash algorithm')) : 'ring_hash';
  if (!consistentHash || !loadBalancer) return undefined;
  return { loadBalancer, consistentHash };
}

function readConsistentHash(src: MeshSource, f: Field): ConsistentHash | undefined {
  const fields = MapFields.read(src, f, ['header', 'cookie', 'sourceIp']);
  if (!fields) return undefined;
  const given = (['header', 'cookie', 'sourceIp'] as const).filter((k) => fields.has(k));
  if (given.length !== 1) {
    src.error(f.path, f.at, given.length === 0 ? 'say what to hash: header, cookie or sourceIp' : `hash on one thing, not ${given.join(' and ')}`);
    return undefined;
  }
  if (given[0] === 'header') {
    const header = fields.read('header', (v) => readString(src, v));
    const problem = header === undefined ? undefined : headerNameProblem(header);
    const at = fields.field('header');
    if (problem && at) src.error(at.path, at.at, problem);
    return header === undefined || problem ? undefined : { header: header.toLowerCase() };
  }
  if (given[0] === 'cookie') return fields.read('cookie', (v) => readCookie(src, v));
  const sourceIp = fields.field('sourceIp');
  if (sourceIp && !(isScalar(sourceIp.node) && sourceIp.node.value === true)) {
    src.error(sourceIp.path, sourceIp.at, `expected true (hash on the caller's address), got ${describe(src, sourceIp.node)}`);
    return undefined;
  }
  return { sourceIp: true };
}

function readCookie(src: MeshSource, f: Field): ConsistentHash | undefined {
  const fields = MapFields.read(src, f, ['name', 'ttl']);
  if (!fields) return undefined;
  const name = fields.require('name', (v) => readString(src, v), 'the cookie to hash, e.g. session');
  const nameField = fields.field('name');
  if (name !== undefined && nameField && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
    src.error(nameField.path, nameField.at, `${JSON.stringify(name)} is not a valid cookie name`);
    return undefined;
  }
  // A ttl makes the proxy set the cookie when a request lacks it; 0 makes it a session cookie.
  const ttlMs = fields.read('ttl', (v) => readDuration(src, v, { allowZero: true }));
  if (name === undefined) return undefined;
  return { cookie: definedOnly({ name, ttlMs }) };
}

function readCircuitBreaker(src: MeshSource, f: Field): CircuitBreaker | undefined {
  const keys = ['maxConnections', 'maxPendingRequests', 'maxRequests', 'maxRetries'] as const;
  const fields = MapFields.read(src, f, keys);
  if (!fields) return undefined;
  const limit = (key: (typeof keys)[number]): number | undefined =>
    fields.read(key, (v) => readInteger(src, v, POSITIVE));
  return definedOnly<CircuitBreaker>({
    maxConnections: limit('maxConnections'),
    maxPendingRequests: limit('maxPendingRequests'),
    maxRequests: limit('maxRequests'),
    maxRetries: limit('maxRetries'),
  });
}

function readOutlierDetection(src: MeshSource, f: Field): OutlierDetection | undefined {
  const fields = MapFields.read(src, f, [
    'consecutive5xx',
    'interval',
    'baseEjectionTime',
    'maxEjectionPercent',
    'failurePercentage',
  ]);
  if (!fields) return undefined;
  return definedOnly<OutlierDetection>({
    consecutive5xx: fields.read('consecutive5xx', (v) => readInteger(src, v, POSITIVE)),
    intervalMs: fields.read('interval', (v) => readDuration(src, v, { allowZero: false })),
    baseEjectionTimeMs: fields.read('baseEjectionTime', (v) => readDuration(src, v, { allowZero: false })),
    maxEjectionPercent: fields.read('maxEjectionPercent', (v) => readInteger(src, v, PERCENT)),
    failurePercentage: fields.read('failurePercentage', (v) => readFailurePercentage(src, v)),
  });
}

function readFailurePercentage(src: MeshSource, f: Field): FailurePercentageEjection | undefined {
  const fields = MapFields.read(src, f, ['threshold', 'minimumHosts', 'requestVolume']);
  if (!fields) return undefined;
  const threshold = fields.require(
    'threshold',
    (v) => readInteger(src, v, PERCENT),
    'the failure percentage above which a host is ejected',
  );
  const minimumHosts = fields.read('minimumHosts', (v) => readInteger(src, v, NON_NEGATIVE));
  const requestVolume = fields.read('requestVolume', (v) => readInteger(src, v, NON_NEGATIVE));
  if (threshold === undefined) return undefined;
  return definedOnly<FailurePercentageEjection>({ threshold, minimumHosts, requestVolume });
}
