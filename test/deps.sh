#!/bin/sh
# Installs every Debian package that building, testing, the demo and the
# benchmarks need. Idempotent; quick when everything is there already.
set -e
PKGS="build-essential pkg-config libmnl-dev libcjson-dev
 libnftnl-dev libcmocka-dev clang libclang-rt-14-dev valgrind iproute2 iputils-ping nftables
 iptables util-linux libcap2-bin strace jq containernetworking-plugins netavark
 podman runc conmon catatonit busybox-static containerd golang-go golang-github-appc-cni-dev
 golang-google-grpc-dev golang-github-gogo-protobuf-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
[ "$(id -u)" = 0 ] || { echo "deps: run as root to install:$missing" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends $missing >&2
