#!/usr/bin/env bash
# Generates TypeScript types for the protos Switchyard speaks into src/generated.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/generated
npx proto-loader-gen-types --keepCase --longs String --enums String --defaults --oneofs \
  --includeDirs protos/envoy-api protos/xds protos/googleapis protos/protoc-gen-validate protos/opentelemetry-proto \
  -O src/generated --grpcLib @grpc/grpc-js \
  envoy/service/discovery/v3/ads.proto \
  envoy/service/cluster/v3/cds.proto envoy/service/endpoint/v3/eds.proto \
  envoy/service/listener/v3/lds.proto envoy/service/route/v3/rds.proto \
  envoy/service/secret/v3/sds.proto envoy/service/status/v3/csds.proto \
  envoy/config/bootstrap/v3/bootstrap.proto \
  envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto \
  envoy/extensions/filters/http/router/v3/router.proto \
  envoy/extensions/filters/http/rbac/v3/rbac.proto \
  envoy/extensions/filters/http/fault/v3/fault.proto \
  envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto \
  envoy/extensions/filters/network/rbac/v3/rbac.proto \
  envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto \
  envoy/extensions/transport_sockets/tls/v3/tls.proto \
  envoy/extensions/upstreams/http/v3/http_protocol_options.proto \
  envoy/extensions/access_loggers/stream/v3/stream.proto \
  envoy/extensions/access_loggers/file/v3/file.proto \
  envoy/extensions/access_loggers/open_telemetry/v3/logs_service.proto \
  envoy/config/trace/v3/opentelemetry.proto \
  envoy/extensions/filters/http/cors/v3/cors.proto \
  envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto
