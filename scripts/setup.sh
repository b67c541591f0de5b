#!/usr/bin/env bash
# Installs what cfmigrate needs to build and test (Debian/Ubuntu packages, and
# moto only when the machine's python3 lacks it), then builds into build/.
#   scripts/setup.sh --bench   also what bench/run_migrate_bench.sh uses
#                              (rclone, nginx's echo module for the delays,
#                              GNU time, perf for profiles)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config libcurl4-openssl-dev libssl-dev
  nlohmann-json3-dev libpugixml-dev libspdlog-dev libfmt-dev libgtest-dev
  googletest python3 nginx-light tmux clang-tidy)
if [[ ${1:-} == --bench ]]; then
  PACKAGES+=(rclone libnginx-mod-http-echo time linux-perf)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

if ! python3 -c 'import moto, boto3' 2>/dev/null; then
  echo "setup: installing moto for the integration tests"
  # Distributions that mark the system Python as externally managed
  # (PEP 668, e.g. Ubuntu 24.04) refuse a plain pip install.
  python3 -m pip install --quiet 'moto[server]' boto3 ||
    python3 -m pip install --quiet --break-system-packages 'moto[server]' boto3
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
