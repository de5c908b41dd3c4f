// trafficPolicy: how clients balance, connect to, limit and eject a service's instances.

import { isMap, isScalar } from 'yaml';
import type {
  CircuitBreaker,
  ConsistentHash,
  HealthCheck,
  LocalityPolicy,
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
  readEntries,
  readList,
  readString,
  type Field,
} from './fields';
import { headerNameProblem } from './names';
import { definedOnly } from './objects';
import { childPath, type MeshSource } from './source';

export const LOAD_BALANCERS: readonly LoadBalancer[] = ['round_robin', 'least_request', 'random', 'ring_hash', 'maglev'];

export function readTrafficPolicy(src: MeshSource, f: Field): TrafficPolicy | undefined {
  const fields = MapFields.read(src, f, ['loadBalancer', 'connectTimeout', 'circuitBreaker', 'outlierDetection', 'locality', 'healthCheck']);
  if (!fields) return undefined;
  const balancer = fields.read('loadBalancer', (v) => readLoadBalancer(src, v));
  return definedOnly<TrafficPolicy>({
    loadBalancer: balancer?.loadBalancer,
    consistentHash: balancer?.consistentHash,
    connectTimeoutMs: fields.read('connectTimeout', (v) => readDuration(src, v, { allowZero: false })),
    circuitBreaker: fields.read('circuitBreaker', (v) => readCircuitBreaker(src, v)),
    outlierDetection: fields.read('outlierDetection', (v) => readOutlierDetection(src, v)),
    locality: fields.read('locality', (v) => readLocalityPolicy(src, v)),
    healthCheck: fields.read('healthCheck', (v) => readHealthCheck(src, v)),
  });
}

function readHealthCheck(src: MeshSource, f: Field): HealthCheck | undefined {
  const fields = MapFields.read(src, f, ['http', 'grpc', 'tcp', 'interval', 'timeout', 'unhealthyThreshold', 'healthyThreshold']);
  if (!fields) return undefined;
  const kinds = (['http', 'grpc', 'tcp'] as const).filter((k) => fields.has(k));
  if (kinds.length !== 1) {
    src.error(
      f.path,
      f.at,
      kinds.length === 0 ? 'say how to probe: http: { path }, grpc: {} (or { service }) or tcp: true' : `probe one way, not ${kinds.join(' and ')}`,
    );
  }
  const http = fields.read('http', (v) => {
    const h = MapFields.read(src, v, ['path']);
    const path = h?.require('path', (x) => readString(src, x), 'the path to GET, e.g. /healthz');
    if (path !== undefined && !path.startsWith('/')) {
      const at = h?.field('path');
      if (at) src.error(at.path, at.at, `${JSON.stringify(path)} must start with "/"`);
      return undefined;
    }
    return path === undefined ? undefined : { path };
  });
  const grpc = fields.read('grpc', (v) => {
    const g = MapFields.read(src, v, ['service']);
    if (!g) return undefined;
    // The service name grpc.health.v1 is asked about; empty asks about the server as a whole.
    const service = g.read('service', (x) => readString(src, x));
    return definedOnly({ service });
  });
  const tcpField = fields.field('tcp');
  let tcp: true | undefined;
  if (tcpField) {
    if (isScalar(tcpField.node) && tcpField.node.value === true) tcp = true;
    else src.error(tcpField.path, tcpField.at, `expected true (probe by opening a connection), got ${describe(src, tcpField.node)}`);
  }
  // Envoy requires all four; the defaults are Envoy's common choices, written out.
  const intervalMs = fields.read('interval', (v) => readDuration(src, v, { allowZero: false })) ?? 10_000;
  const timeoutMs = fields.read('timeout', (v) => readDuration(src, v, { allowZero: false })) ?? 1_000;
  const unhealthyThreshold = fields.read('unhealthyThreshold', (v) => readInteger(src, v, POSITIVE)) ?? 3;
  const healthyThreshold = fields.read('healthyThreshold', (v) => readInteger(src, v, POSITIVE)) ?? 2;
  if (kinds.length !== 1 || (!http && !grpc && !tcp)) return undefined;
  return definedOnly<HealthCheck>({ http, grpc, tcp, intervalMs, timeoutMs, unhealthyThreshold, healthyThreshold });
}

const LOCALITY_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;

function readLocalityName(src: MeshSource, f: Field): string | undefined {
  const name = readString(src, f);
  if (name === undefined) return undefined;
  if (LOCALITY_NAME.test(name)) return name;
  src.error(f.path, f.at, `${JSON.stringify(name)} is not a zone or region name (1 to 63 letters, digits, '-', '_' or '.')`);
  return undefined;
}

function readLocalityPolicy(src: MeshSource, f: Field): LocalityPolicy | undefined {
  const fields = MapFields.read(src, f, ['failover', 'distribute']);
  if (!fields) return undefined;
  const froms = new Set<string>();
  // One rule per caller locality: two would leave it unclear which applies.
  const checkFrom = (from: string | undefined, item: Field): void => {
    if (from === undefined) return;
    const at = childPath(item.path, 'from');
    if (froms.has(from)) src.error(at, src.whereIs(at), `callers in ${from} already have a failover or distribute rule`);
    froms.add(from);
  };
  const failover = fields.read('failover', (v) => {
    const items = readList(src, v);
    if (!items) return undefined;
    const rules: { from: string; to: string }[] = [];
    for (const item of items) {
      const rule = MapFields.read(src, item, ['from', 'to']);
      if (!rule) continue;
      const from = rule.require('from', (x) => readLocalityName(src, x), 'the zone or region of the callers this rule is for');
      const to = rule.require('to', (x) => readLocalityName(src, x), 'the zone or region they fail over to');
      checkFrom(from, item);
      if (from !== undefined && from === to) {
        const at = childPath(item.path, 'to');
        src.error(at, src.whereIs(at), `failing over from ${from} to itself changes nothing`);
      } else if (from !== undefined && to !== undefined) rules.push({ from, to });
    }
    return rules;
  });
  const distribute = fields.read('distribute', (v) => {
    const items = readList(src, v);
    if (!items) return undefined;
    const rules: { from: string; to: Record<string, number> }[] = [];
    for (const item of items) {
      const rule = MapFields.read(src, item, ['from', 'to']);
      if (!rule) continue;
      const from = rule.require('from', (x) => readLocalityName(src, x), 'the zone or region of the callers this rule is for');
      checkFrom(from, item);
      const to = rule.require(
        'to',
        (x) => {
          const entries = readEntries(src, x);
          if (!entries) return undefined;
          const weights: Record<string, number> = {};
          let valid = true;
          for (const entry of entries) {
            if (!LOCALITY_NAME.test(entry.key)) {
              src.error(entry.value.path, entry.keyAt, `${JSON.stringify(entry.key)} is not a zone or region name`);
              valid = false;
            }
            const weight = entry.value.broken ? undefined : readInteger(src, entry.value, PERCENT);
            if (weight === undefined) valid = false;
            else weights[entry.key] = weight;
          }
          const total = Object.values(weights).reduce((a, b) => a + b, 0);
          if (valid && total !== 100) {
            src.error(x.path, x.at, `distribute weights must sum to 100, but ${Object.values(weights).join(' + ')} = ${total}`);
            valid = false;
          }
          return valid ? weights : undefined;
        },
        'the localities to spread over, with percents summing to 100, e.g. { eu-west-1a: 80, eu-west-1b: 20 }',
      );
      if (from !== undefined && to !== undefined) rules.push({ from, to });
    }
    return rules;
  });
  return definedOnly<LocalityPolicy>({ failover, distribute });
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
  const consistentHash = fields.require(
    'consistentHash',
    (v) => readConsistentHash(src, v),
    'what to hash: { header: <name> }, { cookie: { name, ttl } } or { sourceIp: true }',
  );
  const loadBalancer = fields.has('algorithm')
    ? fields.read('algorithm', (v) => readEnum(src, v, HASH_ALGORITHMS, 'a consistent-hash algorithm'))
    : 'ring_hash';
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
  const limit = (key: (typeof keys)[number]): number | undefined => fields.read(key, (v) => readInteger(src, v, POSITIVE));
  return definedOnly<CircuitBreaker>({
    maxConnections: limit('maxConnections'),
    maxPendingRequests: limit('maxPendingRequests'),
    maxRequests: limit('maxRequests'),
    maxRetries: limit('maxRetries'),
  });
}

function readOutlierDetection(src: MeshSource, f: Field): OutlierDetection | undefined {
  const fields = MapFields.read(src, f, ['consecutive5xx', 'interval', 'baseEjectionTime', 'maxEjectionPercent', 'failurePercentage']);
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
  const threshold = fields.require('threshold', (v) => readInteger(src, v, PERCENT), 'the failure percentage above which a host is ejected');
  const minimumHosts = fields.read('minimumHosts', (v) => readInteger(src, v, NON_NEGATIVE));
  const requestVolume = fields.read('requestVolume', (v) => readInteger(src, v, NON_NEGATIVE));
  if (threshold === undefined) return undefined;
  return definedOnly<FailurePercentageEjection>({ threshold, minimumHosts, requestVolume });
}
