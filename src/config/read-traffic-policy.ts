// trafficPolicy: how clients balance, connect to, limit and eject a service's instances.

import type { CircuitBreaker, FailurePercentageEjection, LoadBalancer, OutlierDetection, TrafficPolicy } from '../model/mesh';
import { MapFields, NON_NEGATIVE, PERCENT, POSITIVE, readDuration, readEnum, readInteger, type Field } from './fields';
import { definedOnly } from './objects';
import type { MeshSource } from './source';

export const LOAD_BALANCERS: readonly LoadBalancer[] = ['round_robin', 'least_request', 'random', 'ring_hash', 'maglev'];

export function readTrafficPolicy(src: MeshSource, f: Field): TrafficPolicy | undefined {
  const fields = MapFields.read(src, f, ['loadBalancer', 'connectTimeout', 'circuitBreaker', 'outlierDetection']);
  if (!fields) return undefined;
  return definedOnly<TrafficPolicy>({
    loadBalancer: fields.read('loadBalancer', (v) => readEnum(src, v, LOAD_BALANCERS, 'a load balancer')),
    connectTimeoutMs: fields.read('connectTimeout', (v) => readDuration(src, v, { allowZero: false })),
    circuitBreaker: fields.read('circuitBreaker', (v) => readCircuitBreaker(src, v)),
    outlierDetection: fields.read('outlierDetection', (v) => readOutlierDetection(src, v)),
  });
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
