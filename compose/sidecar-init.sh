#!/bin/sh
# sidecar-init SERVICE INSTANCE (or --gateway NAME): the one-shot container that runs before an app's Envoy sidecar
# (compose/docker-compose.yml, service <app>-bootstrap). xDS tokens are signed with the running
# control plane's key, so they can only be minted once it is up: this asks it for a token proving
# SERVICE (`switchyard token create`, through the admin API with the admin token), fetches the
# control plane's CA bundle with it (`switchyard agent --once`, which writes ca.pem; Envoy verifies
# the TLS xDS listener with it), and writes the sidecar's bootstrap carrying that token into the
# volume the Envoy container reads (mounted there at /etc/envoy/bootstrap).
# Environment: SWITCHYARD_ADMIN_ADDRESS, SWITCHYARD_ADMIN_TOKEN, SWITCHYARD_XDS_ADDRESS (read by the
# switchyard commands themselves), BOOTSTRAP_FILE (default /bootstrap/envoy.yaml).
set -eu
out=${BOOTSTRAP_FILE:-/bootstrap/envoy.yaml}
# sidecar-init --gateway NAME: the same for an ingress gateway, which proves its gateway name.
if [ "${1:-}" = "--gateway" ]; then
  gateway=${2:?usage: sidecar-init --gateway NAME}
  token=$(switchyard token create --gateway "$gateway")
  # The CA bundle the gateway verifies the TLS xDS listener with, as for a sidecar below.
  switchyard agent --service "$gateway" --out "$(dirname "$out")" --token "$token" --once
  switchyard bootstrap envoy --gateway "$gateway" --token "$token" --xds-ca-file /etc/envoy/bootstrap/ca.pem --prometheus-port 15090 > "$out.tmp"
  mv "$out.tmp" "$out"
  echo "sidecar-init: wrote $out for gateway $gateway"
  exit 0
fi
service=${1:?usage: sidecar-init SERVICE INSTANCE}
instance=${2:?usage: sidecar-init SERVICE INSTANCE}
dir=$(dirname "$out")
token=$(switchyard token create --service "$service")
switchyard agent --service "$service" --out "$dir" --token "$token" --once
# 15090 serves only /stats/prometheus, for Prometheus on the tier network; the admin API stays on loopback.
switchyard bootstrap envoy --service "$service" --instance "$instance" --token "$token" --xds-ca-file /etc/envoy/bootstrap/ca.pem --prometheus-port 15090 > "$out.tmp"
mv "$out.tmp" "$out"
echo "sidecar-init: wrote $out for $service ($instance)"
