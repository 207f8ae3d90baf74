#!/usr/bin/env bash
# README command 1: fresh Debian 12 machine (as root) -> an OpenDFS cluster
# running on loopback and mounted.
#
#   ./deploy/quickstart.sh [MOUNTPOINT]     (default /mnt/opendfs)
#
# Installs the packages, builds build/, installs the binaries and the
# mount.fuse.opendfs helper, starts 1 metad + 3 blockds with
# deploy/opendfs-local and mounts the filesystem.
set -euo pipefail
cd "$(dirname "$0")/.."
mnt=${1:-/mnt/opendfs}

[ "$(id -u)" -eq 0 ] || { echo "quickstart: run as root (it installs packages and mounts)" >&2; exit 1; }

./deploy/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
meson install -C build --quiet

./deploy/opendfs-local up --root /var/tmp/opendfs-local --mount "$mnt"
echo
echo "Try:  cp -r /usr/include/linux $mnt/ && ls $mnt && df -h $mnt"
echo "      opendfs cluster status    (the cluster is named in /etc/opendfs/dfscli.conf)"
echo "      status page: http://127.0.1.1:9100/   metrics: see the \"metrics:\" lines above"
echo "Stop: ./deploy/opendfs-local down --root /var/tmp/opendfs-local"
