// What the mesh tells operators: `accessLog` (mesh-wide, per service, per gateway) and `tracing`
// (mesh-wide). Translation is in translate/telemetry.ts.
//
//   accessLog: { to: stdout, format: json }                      # Envoy's stdout logger
//   accessLog: { file: /var/log/envoy/access.log, format: text } # Envoy's file logger
//   accessLog: { otlp: otel-collector:4317 }                     # Envoy's OpenTelemetry logger
//   accessLog: false                                             # (service or gateway) none here
//   tracing: { otlp: otel-collector:4317, sampling: 10 }         # Envoy's OpenTelemetry tracer

import { isScalar } from 'yaml';
import type { AccessLog, AccessLogSink, OtlpAddress, Tracing } from '../model/mesh';
import { MapFields, PERCENT, PORT, readEnum, readString, describe, type Field } from './fields';
import { endpointAddressProblem } from './names';
import type { MeshSource } from './source';

const SINK_KEYS = ['to', 'file', 'otlp'] as const;
export const ACCESS_LOG_FORMATS = ['json', 'text'] as const;

/** `allowOff`: a service or gateway may write `accessLog: false` to drop the mesh-wide one. */
export function readAccessLog(src: MeshSource, f: Field, allowOff: true): AccessLog | false | undefined;
export function readAccessLog(src: MeshSource, f: Field, allowOff: false): AccessLog | undefined;
export function readAccessLog(src: MeshSource, f: Field, allowOff: boolean): AccessLog | false | undefined {
  if (allowOff && isScalar(f.node) && f.node.value === false) return false;
  const fields = MapFields.read(src, f, [...SINK_KEYS, 'format']);
  if (!fields) return undefined;
  const given = SINK_KEYS.filter((k) => fields.has(k));
  if (given.length !== 1) {
    const what = given.length === 0 ? 'no destination' : `${given.join(' and ')} together`;
    src.error(f.path, f.at, `an access log needs exactly one destination, got ${what}: to: stdout, file: PATH or otlp: HOST:PORT`);
    for (const k of given) fields.read(k, (v) => readSink(src, k, v));
    return undefined;
  }
  const sink = fields.read(given[0]!, (v) => readSink(src, given[0]!, v));
  const format = fields.read('format', (v) => readEnum(src, v, ACCESS_LOG_FORMATS, 'an access log format')) ?? 'json';
  return sink ? { sink, format } : undefined;
}

function readSink(src: MeshSource, key: (typeof SINK_KEYS)[number], f: Field): AccessLogSink | undefined {
  switch (key) {
    case 'to':
      return readEnum(src, f, ['stdout'] as const, 'an access log destination') ? { kind: 'stdout' } : undefined;
    case 'file': {
      const path = readString(src, f);
      if (path === undefined) return undefined;
      if (!path.startsWith('/')) {
        src.error(
          f.path,
          f.at,
          `access log file ${JSON.stringify(path)} must be an absolute path (Envoy opens it relative to wherever it was started otherwise)`,
        );
        return undefined;
      }
      return { kind: 'file', path };
    }
    case 'otlp': {
      const address = readOtlpAddress(src, f);
      return address ? { kind: 'otlp', address } : undefined;
    }
  }
}

export function readTracing(src: MeshSource, f: Field): Tracing | undefined {
  const fields = MapFields.read(src, f, ['otlp', 'sampling']);
  if (!fields) return undefined;
  const otlp = fields.require('otlp', (v) => readOtlpAddress(src, v), 'the OTLP/gRPC collector traces are sent to, as HOST:PORT');
  // 100 % unless told: a demo mesh wants every request traced; a busy one sets it lower.
  const samplingPercent = fields.read('sampling', (v) => readPercent(src, v)) ?? 100;
  return otlp ? { otlp, samplingPercent } : undefined;
}

function readPercent(src: MeshSource, f: Field): number | undefined {
  const value = isScalar(f.node) ? f.node.value : undefined;
  if (typeof value === 'number' && value >= PERCENT.min && value <= PERCENT.max) return value;
  src.error(f.path, f.at, `expected a percentage from 0 to 100 (fractions allowed, e.g. 0.5), got ${describe(src, f.node)}`);
  return undefined;
}

/** HOST:PORT of an OTLP/gRPC collector; a bare IPv6 address goes in brackets: [fd00::1]:4317. */
export function readOtlpAddress(src: MeshSource, f: Field): OtlpAddress | undefined {
  const text = readString(src, f);
  if (text === undefined) return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (!m) {
    src.error(f.path, f.at, `${JSON.stringify(text)} is not HOST:PORT, e.g. otel-collector:4317`);
    return undefined;
  }
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  const problem = endpointAddressProblem(host);
  if (problem) src.error(f.path, f.at, problem);
  if (port < PORT.min || port > PORT.max) src.error(f.path, f.at, `port ${port} is not ${PORT.meaning}`);
  return problem || port < PORT.min || port > PORT.max ? undefined : { host, port };
}
