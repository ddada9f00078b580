#!/bin/sh
# Prepares the real CNI clients the test/clients/t_*.sh scripts drive:
# cnitool (libcni 1.1.2, built offline from Debian's source package, never
# committed), a CRI client and a sandbox image (see build_cri), podman 4.3
# (CNI backend), containerd 1.6 + ctr, runc, and a local busybox image source. Idempotent and quick once done; needs root.
# Everything it builds lives under $CNI_CLIENT_CACHE, outside the repository.
# usage: test/clients/setup.sh            (prints the cnitool path on stdout)
#        test/clients/setup.sh cri        (also builds the CRI client and the
#                                          sandbox image; prints their paths)
set -e
CACHE=${CNI_CLIENT_CACHE:-/var/cache/cni-bridge-test}
CNITOOL=$CACHE/bin/cnitool
PKGS="podman runc conmon catatonit busybox-static containerd golang-go
 golang-github-appc-cni-dev golang-google-grpc-dev golang-github-gogo-protobuf-dev
 containernetworking-plugins iproute2 iputils-ping jq
 nftables iptables util-linux"

missing_pkgs() {
	for p in $PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || printf ' %s' "$p"
	done
}

install_pkgs() {
	missing=$(missing_pkgs)
	[ -z "$missing" ] && return 0
	echo "clients/setup: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	# shellcheck disable=SC2086 # word splitting is the point
	apt-get install -y -q --no-install-recommends $missing >&2
}

# fetch_source PKG DIR: downloads and unpacks Debian source package PKG into
# DIR (a private deb-src list derived from the system's own sources, so
# /etc/apt stays untouched); prints the unpacked upstream tree's path.
fetch_source() {
	W=$2
	mkdir -p "$W/apt/lists/partial" "$W/apt/cache/archives/partial" "$W/apt/parts" "$W/src"
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			>"$W/apt/parts/src.sources"
		O="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$W/apt/parts"
	else
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$W/apt/src.list"
		O="-o Dir::Etc::SourceList=$W/apt/src.list -o Dir::Etc::SourceParts=/dev/null"
	fi
	O="$O -o Dir::State::Lists=$W/apt/lists -o Dir::Cache=$W/apt/cache"
	# shellcheck disable=SC2086
	apt-get $O update -q >&2
	# shellcheck disable=SC2086
	(cd "$W/src" && apt-get $O source --download-only "$1" >&2)
	orig=$(ls "$W/src/$1"_*.orig.tar.* | head -1)
	tar -C "$W/src" -xf "$orig"
	ls -d "$W/src/$1"-*/ | head -1
}

# go_build WORKDIR PKG OUT: builds main package PKG of the GOPATH WORKDIR/gopath
# against Debian's Go packages only (no module proxy, no network), to OUT.
go_build() {
	(cd "$1/gopath/src/$2" && GO111MODULE=off GOPATH="$1/gopath:/usr/share/gocode" \
		GOCACHE="$1/gocache" GOPROXY=off CGO_ENABLED=0 go build -o "$3.tmp" .) &&
		mv "$3.tmp" "$3"
}

# Debian ships libcni as a Go library but not the cnitool command; its source
# package has cnitool.go.
build_cnitool() {
	[ -x "$CNITOOL" ] && return 0
	W=$CACHE/cnitool-build
	rm -rf "$W"
	mkdir -p "$W/gopath/src/cnitool" "$CACHE/bin"
	src=$(fetch_source golang-github-appc-cni "$W")
	cp "$src/cnitool/cnitool.go" "$W/gopath/src/cnitool/"
	go_build "$W" cnitool "$CNITOOL"
	rm -rf "$W"
}

# The CRI client (cri/main.go, against k8s.io/cri-api from Debian's containerd
# source package: copied into a throwaway vendor dir, never into the
# repository) and the sandbox image (cri/mkimage.sh), for t_cri.sh. Each is
# cached under a name derived from what it is made of, so an edit to the
# client or the image script, or a new containerd, Go, grpc or busybox
# package, makes a fresh one; both test passes reuse it.
build_cri() {
	here=$(cd "$(dirname "$0")" && pwd)
	key=$({
		cat "$here/cri/main.go"
		dpkg-query -W containerd golang-go golang-google-grpc-dev golang-github-gogo-protobuf-dev
	} | sha256sum | cut -c1-16)
	CRI_CLIENT=$CACHE/cri/cri-client-$key
	if [ ! -x "$CRI_CLIENT" ]; then
		W=$CACHE/cri-build
		rm -rf "$W" "$CACHE"/cri/cri-client-*
		mkdir -p "$W/gopath/src/cri-client/vendor/k8s.io" "$CACHE/cri"
		src=$(fetch_source containerd "$W")
		cp -r "$src/vendor/k8s.io/cri-api" "$W/gopath/src/cri-client/vendor/k8s.io/"
		cp "$here/cri/main.go" "$W/gopath/src/cri-client/"
		go_build "$W" cri-client "$CRI_CLIENT"
		rm -rf "$W"
	fi
	key=$(cat "$here/cri/mkimage.sh" /bin/busybox | sha256sum | cut -c1-16)
	CRI_IMAGE=$CACHE/cri/pause-$key.tar
	if [ ! -f "$CRI_IMAGE" ]; then
		rm -f "$CACHE"/cri/pause-*.tar
		sh "$here/cri/mkimage.sh" "$CRI_IMAGE" localhost/pause:cni
	fi
}

[ "$(id -u)" = 0 ] || { echo "clients/setup: needs root" >&2; exit 1; }
# One setup at a time: test runs in parallel share the cache.
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
install_pkgs
build_cnitool
if [ "${1:-}" = cri ]; then
	build_cri
	echo "$CRI_CLIENT $CRI_IMAGE"
else
	echo "$CNITOOL"
fi
