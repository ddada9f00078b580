#!/bin/sh
# Prepares the real CNI clients the test/clients/t_*.sh scripts drive:
# cnitool (libcni 1.1.2, built offline from Debian's source package, never
# committed), podman 4.3 (CNI backend), containerd 1.6 + ctr, runc, and a
# local busybox image source. Idempotent and quick once done; needs root.
# Everything it builds lives under $CNI_CLIENT_CACHE, outside the repository.
# usage: test/clients/setup.sh            (prints the cnitool path on stdout)
set -e
CACHE=${CNI_CLIENT_CACHE:-/var/cache/cni-bridge-test}
CNITOOL=$CACHE/bin/cnitool
PKGS="podman runc conmon catatonit busybox-static containerd golang-go
 golang-github-appc-cni-dev containernetworking-plugins iproute2 iputils-ping jq
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

# Debian ships libcni as a Go library but not the cnitool command; its source
# package has cnitool.go. Fetch that with a private deb-src list derived from
# the system's own sources, so /etc/apt stays untouched.
build_cnitool() {
	[ -x "$CNITOOL" ] && return 0
	W=$CACHE/cnitool-build
	rm -rf "$W"
	mkdir -p "$W/apt/lists/partial" "$W/apt/cache/archives/partial" "$W/src" \
		"$W/gopath/src/cnitool" "$CACHE/bin"
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			>"$W/apt/src.sources"
		O="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$W/apt/parts"
		mkdir -p "$W/apt/parts"
		mv "$W/apt/src.sources" "$W/apt/parts/src.sources"
	else
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$W/apt/src.list"
		O="-o Dir::Etc::SourceList=$W/apt/src.list -o Dir::Etc::SourceParts=/dev/null"
	fi
	O="$O -o Dir::State::Lists=$W/apt/lists -o Dir::Cache=$W/apt/cache"
	# shellcheck disable=SC2086
	apt-get $O update -q >&2
	# shellcheck disable=SC2086
	(cd "$W/src" && apt-get $O source --download-only golang-github-appc-cni >&2)
	orig=$(ls "$W"/src/golang-github-appc-cni_*.orig.tar.* | head -1)
	tar -C "$W/src" -xf "$orig"
	cp "$W"/src/golang-github-appc-cni-*/cnitool/cnitool.go "$W/gopath/src/cnitool/"
	(cd "$W/gopath/src/cnitool" &&
		GO111MODULE=off GOPATH="$W/gopath:/usr/share/gocode" GOCACHE="$W/gocache" \
			GOPROXY=off CGO_ENABLED=0 go build -o "$CNITOOL.tmp" .)
	mv "$CNITOOL.tmp" "$CNITOOL"
	rm -rf "$W"
}

[ "$(id -u)" = 0 ] || { echo "clients/setup: needs root" >&2; exit 1; }
install_pkgs
build_cnitool
echo "$CNITOOL"
