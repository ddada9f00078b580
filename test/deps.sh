#!/bin/sh
# Installs the Debian packages one purpose needs; each purpose includes the
# ones above it:
#   build  compile and install the plugins (make, make install)
#   demo   build, plus what make demo runs (ip, ping, jq)
#   test   demo, plus everything make check, make test and make bench use
# usage: sh test/deps.sh [build|demo|test]   (no argument: test)
# Idempotent; quick when everything is there already. A node that only runs
# the plugins needs none of these: see the README's "Installing" section.
set -e
purpose=${1:-test}

# One package per line, so that additions merge cleanly.
BUILD_PKGS="
build-essential
pkg-config
libmnl-dev
libcjson-dev
libnftnl-dev
libnl-3-dev
libnl-route-3-dev
"
DEMO_PKGS="
iproute2
iputils-ping
jq
util-linux
"
TEST_PKGS="
libcmocka-dev
clang
libclang-rt-14-dev
clang-format
valgrind
nftables
iptables
libcap2-bin
strace
containernetworking-plugins
netavark
podman
runc
conmon
catatonit
busybox-static
containerd
golang-go
golang-github-appc-cni-dev
golang-google-grpc-dev
golang-github-gogo-protobuf-dev
"

case $purpose in
build) PKGS=$BUILD_PKGS ;;
demo) PKGS="$BUILD_PKGS $DEMO_PKGS" ;;
test) PKGS="$BUILD_PKGS $DEMO_PKGS $TEST_PKGS" ;;
*)
	echo "usage: sh test/deps.sh [build|demo|test]" >&2
	exit 2
	;;
esac
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps ($purpose): installing$missing" >&2
	[ "$(id -u)" = 0 ] || { echo "deps: run as root to install:$missing" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	# shellcheck disable=SC2086 # a word list
	apt-get install -y -q --no-install-recommends $missing >&2
fi
# The kernel lane (make test's last pass): QEMU, busybox, cpio, kmod and the
# LTS kernel package unpacked under /var/cache/cni-bridge/vm (not /boot).
[ "$purpose" != test ] || bash "$(dirname "$0")/vm/vm.sh" setup
