// Access logs and tracing on Envoy proxies' connection managers and tcp proxies (the mesh file's
// `accessLog` and `tracing`, read in config/read-telemetry.ts). Everything telemetry adds to an
// HCM or a tcp_proxy is built here and spread into them by the listener builders, so the
// connection manager's own shape (http-connection-manager.ts) stays telemetry-free.
//
// Sides, and which SPIFFE IDs they log:
//   inbound   a sidecar's listener for callers: the caller is the downstream peer, we are the
//             downstream local certificate.
//   outbound  a sidecar's listeners for its app's calls, and a gateway's listeners: we are the
//             upstream local certificate, the callee the upstream peer.
import type { AccessLog as EnvoyAccessLog } from '../generated/envoy/config/accesslog/v3/AccessLog';
import type { Cluster } from '../generated/envoy/config/cluster/v3/Cluster';
import type { SubstitutionFormatString } from '../generated/envoy/config/core/v3/SubstitutionFormatString';
import type { OpenTelemetryConfig } from '../generated/envoy/config/trace/v3/OpenTelemetryConfig';
import type { FileAccessLog } from '../generated/envoy/extensions/access_loggers/file/v3/FileAccessLog';
import type { OpenTelemetryAccessLogConfig } from '../generated/envoy/extensions/access_loggers/open_telemetry/v3/OpenTelemetryAccessLogConfig';
import type { StdoutAccessLog } from '../generated/envoy/extensions/access_loggers/stream/v3/StdoutAccessLog';
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager';
import type { TcpProxy } from '../generated/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy';
import type { HttpProtocolOptions } from '../generated/envoy/extensions/upstreams/http/v3/HttpProtocolOptions';
import type { Struct } from '../generated/google/protobuf/Struct';
import type { AccessLog, OtlpAddress } from '../model';
import { packAny } from '../proto/codec';
import { TypeUrl } from '../proto/type-urls';
import type { TranslateContext } from './context';
import type { ResourceCollector } from './resource-collector';
import { TypeName } from './type-names';
import { isIP } from 'node:net';

export type TelemetrySide = 'inbound' | 'outbound';

/** Whose telemetry settings apply: a sidecar's service, or a gateway. */
export interface TelemetrySubject {
  /** The service (or gateway) name: in every log record, and the traces' service.name. */
  readonly name: string;
  /** Its own accessLog setting; undefined falls back to mesh.accessLog, false turns it off. */
  readonly accessLog?: AccessLog | false;
}

/** The sidecar's service's settings (an Envoy proxy of a service the mesh file does not list gets the mesh's). */
export function sidecarSubject(ctx: TranslateContext): TelemetrySubject {
  const own = ctx.services.get(ctx.proxy.service);
  return { name: ctx.proxy.service, ...(own?.accessLog !== undefined && { accessLog: own.accessLog }) };
}

function accessLogOf(ctx: TranslateContext, subject: TelemetrySubject): AccessLog | undefined {
  if (subject.accessLog === false) return undefined;
  return subject.accessLog ?? ctx.state.config.mesh.accessLog;
}

/** The cluster an OTLP/gRPC collector is reached through; '|' keeps it apart from service names. */
export function otlpClusterName(address: OtlpAddress): string {
  return `otlp|${address.host}:${address.port}`;
}

// ---- access log records -------------------------------------------------------------------------

/** Record fields, in order; HTTP-only ones are left out of tcp_proxy records. */
function recordFields(side: TelemetrySide, subject: TelemetrySubject, http: boolean): Array<[string, string]> {
  const [source, destination] =
    side === 'inbound' ? ['%DOWNSTREAM_PEER_URI_SAN%', '%DOWNSTREAM_LOCAL_URI_SAN%'] : ['%UPSTREAM_LOCAL_URI_SAN%', '%UPSTREAM_PEER_URI_SAN%'];
  return [
    ['start_time', '%START_TIME%'],
    ['proxy', subject.name],
    ['side', side],
    ...(http
      ? ([
          ['method', '%REQ(:METHOD)%'],
          ['path', '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%'],
          ['authority', '%REQ(:AUTHORITY)%'],
          ['protocol', '%PROTOCOL%'],
          ['response_code', '%RESPONSE_CODE%'],
        ] as Array<[string, string]>)
      : []),
    ['response_flags', '%RESPONSE_FLAGS%'],
    ['duration_ms', '%DURATION%'],
    ['bytes_received', '%BYTES_RECEIVED%'],
    ['bytes_sent', '%BYTES_SENT%'],
    ['upstream_cluster', '%UPSTREAM_CLUSTER%'],
    ['upstream_host', '%UPSTREAM_HOST%'],
    ['upstream_failure', '%UPSTREAM_TRANSPORT_FAILURE_REASON%'],
    ['downstream_address', '%DOWNSTREAM_REMOTE_ADDRESS%'],
    ['source_spiffe_id', source],
    ['destination_spiffe_id', destination],
    ...(http
      ? ([
          ['request_id', '%REQ(X-REQUEST-ID)%'],
          ['trace_id', '%TRACE_ID%'],
        ] as Array<[string, string]>)
      : []),
  ];
}

/**
 * One line per request or connection, in Envoy's familiar order:
 * [time] catalog inbound "GET /items HTTP/1.1" 200 - 3ms rx=0 tx=135 cluster=inbound|catalog host=127.0.0.1:8080 src=spiffe://… dst=spiffe://… id=…
 */
function textLine(side: TelemetrySide, subject: TelemetrySubject, http: boolean): string {
  const [, source] = recordFields(side, subject, http).find(([k]) => k === 'source_spiffe_id')!;
  const [, destination] = recordFields(side, subject, http).find(([k]) => k === 'destination_spiffe_id')!;
  const request = http ? ' "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%' : ' tcp';
  const tail = http ? ' authority="%REQ(:AUTHORITY)%" id=%REQ(X-REQUEST-ID)% trace=%TRACE_ID%' : '';
  return (
    `[%START_TIME%] ${subject.name} ${side}${request} %RESPONSE_FLAGS% %DURATION%ms rx=%BYTES_RECEIVED% tx=%BYTES_SENT% ` +
    `cluster=%UPSTREAM_CLUSTER% host=%UPSTREAM_HOST% src=${source} dst=${destination} peer=%DOWNSTREAM_REMOTE_ADDRESS%${tail}\n`
  );
}

function jsonStruct(fields: Array<[string, string]>): Struct {
  // google.protobuf.Value's fields are camelCase in the codec's Root (protobufjs bundles the
  // well-known types that way), unlike every Envoy message.
  return { fields: Object.fromEntries(fields.map(([k, v]) => [k, { stringValue: v }])) };
}

function formatString(log: AccessLog, side: TelemetrySide, subject: TelemetrySubject, http: boolean): SubstitutionFormatString {
  return log.format === 'json'
    ? { json_format: jsonStruct(recordFields(side, subject, http)) }
    : { text_format_source: { inline_string: textLine(side, subject, http) } };
}

function envoyAccessLog(log: AccessLog, side: TelemetrySide, subject: TelemetrySubject, http: boolean): EnvoyAccessLog {
  const sink = log.sink;
  switch (sink.kind) {
    case 'stdout': {
      const config: StdoutAccessLog = { log_format: formatString(log, side, subject, http) };
      return { name: 'envoy.access_loggers.stdout', typed_config: packAny(TypeName.StdoutAccessLog, config) };
    }
    case 'file': {
      const config: FileAccessLog = { path: sink.path, log_format: formatString(log, side, subject, http) };
      return { name: 'envoy.access_loggers.file', typed_config: packAny(TypeName.FileAccessLog, config) };
    }
    case 'otlp': {
      // The record's fields as OTLP attributes (queryable in a log backend); the text line as its body.
      const config: OpenTelemetryAccessLogConfig = {
        common_config: {
          log_name: `switchyard/${subject.name}`,
          transport_api_version: 'V3',
          grpc_service: { envoy_grpc: { cluster_name: otlpClusterName(sink.address) } },
        },
        body: { string_value: textLine(side, subject, http).trimEnd() },
        attributes: { values: recordFields(side, subject, http).map(([key, value]) => ({ key, value: { string_value: value } })) },
        resource_attributes: { values: [{ key: 'service.name', value: { string_value: subject.name } }] },
      };
      return { name: 'envoy.access_loggers.open_telemetry', typed_config: packAny(TypeName.OpenTelemetryAccessLog, config) };
    }
  }
}

// ---- what listener builders spread in ------------------------------------------------------------

/** Access log and tracing settings for an Envoy HCM on `side`. `startsTraces`: a gateway's; sidecars only continue traces. */
export function httpTelemetry(
  ctx: TranslateContext,
  subject: TelemetrySubject,
  side: TelemetrySide,
  startsTraces = false,
): Pick<HttpConnectionManager, 'access_log' | 'tracing'> {
  if (ctx.proxy.kind === 'grpc') return {};
  const log = accessLogOf(ctx, subject);
  const tracing = ctx.state.config.mesh.tracing;
  return {
    ...(log && { access_log: [envoyAccessLog(log, side, subject, true)] }),
    ...(tracing && {
      tracing: {
        // A sidecar never starts a trace: it joins the one a gateway started (traceparent from
        // the app's inbound request, which the app must copy onto its outbound calls). The
        // gateway samples `sampling` percent of what arrives without a trace.
        random_sampling: { value: startsTraces ? tracing.samplingPercent : 0 },
        provider: {
          name: 'envoy.tracers.opentelemetry',
          typed_config: packAny(TypeName.OpenTelemetryTracer, {
            grpc_service: { envoy_grpc: { cluster_name: otlpClusterName(tracing.otlp) } },
            service_name: subject.name,
          } satisfies OpenTelemetryConfig),
        },
      },
    }),
  };
}

/** Access log settings for an Envoy tcp_proxy on `side`. */
export function tcpTelemetry(ctx: TranslateContext, subject: TelemetrySubject, side: TelemetrySide): Pick<TcpProxy, 'access_log'> {
  if (ctx.proxy.kind === 'grpc') return {};
  const log = accessLogOf(ctx, subject);
  return log ? { access_log: [envoyAccessLog(log, side, subject, false)] } : {};
}

/** The clusters the subject's OTLP access logger and tracer send to (one per collector address). */
export function addTelemetryClusters(ctx: TranslateContext, subject: TelemetrySubject, out: ResourceCollector): void {
  if (ctx.proxy.kind === 'grpc') return;
  const addresses = new Map<string, OtlpAddress>();
  const log = accessLogOf(ctx, subject);
  if (log?.sink.kind === 'otlp') addresses.set(otlpClusterName(log.sink.address), log.sink.address);
  const tracing = ctx.state.config.mesh.tracing;
  if (tracing) addresses.set(otlpClusterName(tracing.otlp), tracing.otlp);
  for (const [name, address] of addresses) out.add(TypeUrl.Cluster, name, otlpCluster(name, address));
}

/** OTLP/gRPC needs HTTP/2; a hostname (the compose service name) is resolved by DNS, an IP is not. */
function otlpCluster(name: string, address: OtlpAddress): Cluster {
  const http2: HttpProtocolOptions = { explicit_http_config: { http2_protocol_options: {} } };
  return {
    name,
    type: isIP(address.host) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: { seconds: 1 },
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: address.host, port_value: address.port } } } }] }],
    },
    typed_extension_protocol_options: { [TypeName.UpstreamHttpProtocolOptions]: packAny(TypeName.UpstreamHttpProtocolOptions, http2) },
  };
}
