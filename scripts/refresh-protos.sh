#!/usr/bin/env bash
# Re-vendors the Envoy data-plane API, cncf xds/udpa, protoc-gen-validate and googleapis protos
# from the @grpc/grpc-js-xds package (the same snapshot grpc-js's own xDS client is built against),
# then regenerates the TypeScript types in src/generated. Needs only npm.
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules/@grpc/grpc-js-xds/deps
[ -d "$src" ] || { echo "run npm ci first: $src is missing" >&2; exit 1; }
version=$(node -p "require('@grpc/grpc-js-xds/package.json').version")
rm -rf protos/envoy-api protos/xds protos/googleapis protos/protoc-gen-validate
for d in envoy-api xds googleapis protoc-gen-validate; do cp -r "$src/$d" "protos/$d"; done
find protos -type f ! -name '*.proto' ! -name 'LICENSE' -delete
find protos -type d -empty -delete

# Envoy's OpenTelemetry access logger imports opentelemetry/proto/common/v1/common.proto, which
# grpc-js-xds does not ship. The last @opentelemetry/otlp-grpc-exporter-base releases that still
# carried the .proto files (0.34.x; later ones ship generated code only) have it; only that one
# file is kept. npm pack fetches it through the npm registry like any package.
otel_pkg=@opentelemetry/otlp-grpc-exporter-base@0.34.0
tmp=$(mktemp -d)
(cd "$tmp" && npm pack "$otel_pkg" --silent >/dev/null && tar xzf ./*.tgz)
rm -rf protos/opentelemetry-proto
mkdir -p protos/opentelemetry-proto/opentelemetry/proto/common/v1
cp "$tmp/package/build/protos/opentelemetry/proto/common/v1/common.proto" protos/opentelemetry-proto/opentelemetry/proto/common/v1/
cp "$tmp/package/LICENSE" protos/opentelemetry-proto/LICENSE
rm -rf "$tmp"
cat > protos/SOURCE.md <<MD
# Vendored protos

Copied from \`@grpc/grpc-js-xds@${version}\` (its \`deps/\` folder), which pins these upstreams:
Envoy's data-plane API (envoyproxy/data-plane-api), cncf/xds (xds and udpa), bufbuild/protoc-gen-validate,
and googleapis. Refresh with \`npm run protos\` (scripts/refresh-protos.sh) after bumping the package.

\`opentelemetry-proto/\` holds one file, \`opentelemetry/proto/common/v1/common.proto\` (Apache-2.0, the
OpenTelemetry authors), which Envoy's OpenTelemetry access logger imports and grpc-js-xds does not ship.
It comes from \`${otel_pkg}\` (the last releases that carried the .proto files).
MD
bash scripts/gen-types.sh
