#!/usr/bin/env bash
# Regenerates envoy/*.yaml: a bootstrap per shop service, produced by `switchyard bootstrap envoy`
# (test/e2e/envoy-examples.test.ts fails when these are not what the command prints). Each proves
# its service with the workload certificate `switchyard agent --out /etc/switchyard` keeps there,
# and trusts the control plane's TLS listener with the CA bundle beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
node bin/switchyard.js bootstrap envoy --gateway public --xds-address switchyard:18000 --cert-dir /etc/switchyard > envoy/gateway.yaml
for svc in frontend catalog orders payments db; do
  node bin/switchyard.js bootstrap envoy --service "$svc" --instance "$svc-1" --xds-address switchyard:18000 --cert-dir /etc/switchyard > "envoy/$svc.yaml"
done
