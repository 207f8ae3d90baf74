#!/usr/bin/env bash
# Installs every Debian 12 package OpenDFS needs to build, test and run.
# Idempotent: when everything is already installed it changes nothing and does
# not touch the network.
set -euo pipefail

packages=(
  # build
  g++ meson ninja-build pkg-config
  # man pages from --help
  help2man
  # libraries
  libfuse3-dev libuv1-dev flatbuffers-compiler libflatbuffers-dev librocksdb-dev
  libisal-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  # HMAC-SHA-256 + CSPRNG for the cluster key (OpenSSL libcrypto)
  libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # running and testing a mount
  fuse3 attr fio git util-linux procps psmisc
  # POSIX ACL tests (getfacl, setfacl; rsync -A)
  acl rsync
  # partition_test: tc (traffic control) and ip in a private network namespace
  iproute2
  # sd_notify for the systemd units (Type=notify); systemd-analyze verify
  libsystemd-dev systemd
  # metrics / status HTTP endpoint (libnet/http_server)
  libmicrohttpd-dev
  # status_page_test opens the status page in headless Chromium
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo $0)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
