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
cat > protos/SOURCE.md <<MD
# Vendored protos

Copied from \`@grpc/grpc-js-xds@${version}\` (its \`deps/\` folder), which pins these upstreams:
Envoy's data-plane API (envoyproxy/data-plane-api), cncf/xds (xds and udpa), bufbuild/protoc-gen-validate,
and googleapis. Refresh with \`npm run protos\` (scripts/refresh-protos.sh) after bumping the package.
MD
bash scripts/gen-types.sh
