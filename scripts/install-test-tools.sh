#!/usr/bin/env bash
# Installs the Debian tools some test suites drive as real processes, when they are missing:
#   etcd-server, etcd-client  the etcd registry, shared CA/mesh file and replica suites
#   prometheus                the scrape test and `promtool check config|rules`
#   docker-compose            `docker-compose config` validates compose/docker-compose.yml
#                             (the Compose schema only: no Docker engine is needed)
#   python3-grpcio            the second real xDS client (gRPC C-core through Python)
#   chromium                  the web console's tests (headless, driven by playwright-core)
# As root it installs with apt-get; otherwise it says what to run and exits 0, and `npm test`
# then skips the suites whose tool is missing, naming it.
set -euo pipefail

# A tool counts as present when its Debian package is installed or its command works (another
# distribution, or a build of its own on PATH).
present() {
  case "$1" in
    etcd-server) command -v etcd ;;
    etcd-client) command -v etcdctl ;;
    prometheus) command -v prometheus && command -v promtool ;;
    docker-compose) command -v docker-compose ;;
    python3-grpcio) /usr/bin/python3 -c 'import grpc' ;;
    chromium) /usr/bin/chromium --version ;;
  esac
} >/dev/null 2>&1

need=()
for pkg in etcd-client etcd-server prometheus docker-compose python3-grpcio chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || present "$pkg" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && { echo "test tools: all present"; exit 0; }

if ! command -v apt-get >/dev/null 2>&1; then
  echo "test tools: missing ${need[*]}; this is not a Debian machine, install their equivalents by hand. The suites that need them will be skipped." >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "test tools: missing ${need[*]}. Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
  echo "The suites that need them will be skipped until then." >&2
  exit 0
fi
echo "test tools: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "test tools: installed ${need[*]}"
