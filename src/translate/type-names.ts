// Fully qualified names of the messages translation packs into Any fields.

export const TypeName = {
  HttpConnectionManager: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  Router: 'envoy.extensions.filters.http.router.v3.Router',
  TcpProxy: 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  UpstreamHttpProtocolOptions: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  HttpFault: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  LocalRateLimit: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  StdoutAccessLog: 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  FileAccessLog: 'envoy.extensions.access_loggers.file.v3.FileAccessLog',
  OpenTelemetryAccessLog: 'envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig',
  OpenTelemetryTracer: 'envoy.config.trace.v3.OpenTelemetryConfig',
  Cors: 'envoy.extensions.filters.http.cors.v3.Cors',
  CorsPolicy: 'envoy.extensions.filters.http.cors.v3.CorsPolicy',
} as const;

/** Well-known extension names Envoy logs and matches on (the name field beside typed_config). */
export const FilterName = {
  HttpConnectionManager: 'envoy.filters.network.http_connection_manager',
  TcpProxy: 'envoy.filters.network.tcp_proxy',
  Router: 'envoy.filters.http.router',
  Fault: 'envoy.filters.http.fault',
  LocalRateLimit: 'envoy.filters.http.local_ratelimit',
  Cors: 'envoy.filters.http.cors',
} as const;
