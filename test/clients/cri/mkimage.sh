#!/bin/sh
# Writes the pod sandbox ("pause") image for t_cri.sh, offline: an OCI image
# layout tar whose one layer holds the static busybox and whose entrypoint
# sleeps. containerd's CRI plugin starts it as each pod's sandbox container,
# which holds the pod's network namespace; `ctr images import` reads the
# image name from index.json's io.containerd.image.name annotation.
# usage: mkimage.sh OUT.tar IMAGE_NAME     (e.g. localhost/pause:cni)
set -eu
OUT=$1
NAME=$2
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
B=$W/layout/blobs/sha256
mkdir -p "$W/rootfs/bin" "$B"
cp /bin/busybox "$W/rootfs/bin/busybox"
ARCH=$(dpkg --print-architecture) # Debian's names are Go's for amd64, arm64

# blob FILE: moves FILE into the blob store under its digest; prints
# "DIGEST SIZE"
blob() {
	_d=$(sha256sum "$1" | cut -d' ' -f1)
	_s=$(stat -c %s "$1")
	mv "$1" "$B/$_d"
	echo "$_d $_s"
}

# Fixed owner, order and times: the same busybox always gives the same image.
tar -C "$W/rootfs" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
	-cf "$W/layer.tar" .
# shellcheck disable=SC2046 # "DIGEST SIZE", split on purpose (also below)
set -- $(blob "$W/layer.tar")
LAYER=$1 LAYER_SIZE=$2
cat >"$W/config.json" <<JSON
{"architecture":"$ARCH","os":"linux",
 "config":{"Entrypoint":["/bin/busybox","sleep","2147483647"],"WorkingDir":"/"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$LAYER"]}}
JSON
# shellcheck disable=SC2046
set -- $(blob "$W/config.json")
CONFIG=$1 CONFIG_SIZE=$2
cat >"$W/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$CONFIG","size":$CONFIG_SIZE},
 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$LAYER","size":$LAYER_SIZE}]}
JSON
# shellcheck disable=SC2046
set -- $(blob "$W/manifest.json")
MANIFEST=$1 MANIFEST_SIZE=$2
echo '{"imageLayoutVersion":"1.0.0"}' >"$W/layout/oci-layout"
cat >"$W/layout/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",
 "digest":"sha256:$MANIFEST","size":$MANIFEST_SIZE,
 "platform":{"architecture":"$ARCH","os":"linux"},
 "annotations":{"io.containerd.image.name":"$NAME","org.opencontainers.image.ref.name":"${NAME##*:}"}}]}
JSON
tar -C "$W/layout" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$OUT.tmp" .
mv "$OUT.tmp" "$OUT"
