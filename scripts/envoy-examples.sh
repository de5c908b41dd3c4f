#!/usr/bin/env bash
# Regenerates envoy/*.yaml: a bootstrap per shop service, produced by `switchyard bootstrap envoy`
# (test/e2e/envoy-examples.test.ts fails when these are not what the command prints).
set -euo pipefail
cd "$(dirname "$0")/.."
node bin/switchyard.js bootstrap envoy --gateway public --xds-address switchyard:18000 > envoy/gateway.yaml
for svc in frontend catalog orders payments db; do
  node bin/switchyard.js bootstrap envoy --service "$svc" --instance "$svc-1" --xds-address switchyard:18000 > "envoy/$svc.yaml"
done
