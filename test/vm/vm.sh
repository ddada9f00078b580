#!/bin/bash
# The kernel lane: runs one command as root inside a QEMU guest that boots
# Debian's stock kernel (linux-image-amd64: the 6.1 LTS on Debian 12), for the
# kernel features the build machine's kernel may lack (bridge VLAN filtering,
# 802.1Q) and to prove the plugins on the kernel most nodes run.
#
#   test/vm/vm.sh setup             install QEMU, busybox, cpio, kmod; download
#                                   and unpack the kernel package (never into
#                                   /boot); build a small initrd. Idempotent.
#   test/vm/vm.sh run [-m MB] [-s CPUS] [-k] CMD
#                                   boot, run `bash -c CMD` in the current
#                                   directory, stream its output, exit with its
#                                   status (124: killed, 125: no status).
#                                   -k: /var/lib/cni is $VM_STATE_DIR (a dir
#                                   under the current directory, so on the
#                                   read-write share) instead of a fresh
#                                   tmpfs, so it outlives the guest.
#   test/vm/vm.sh kernel            print the guest kernel's version
#
# What the guest sees: this machine's root filesystem read-only over 9p (every
# installed tool and library, no copy), the current directory read-write at
# the same path, fresh tmpfs on /tmp, /run, /var/lib/cni, /etc/cni, /opt/cni.
# Kernel modules autoload: /proc/sys/kernel/modprobe points at a wrapper that
# runs `modprobe -d <unpacked kernel package>`. TCG only (no KVM needed); the
# guest has no network device, so nothing leaves it.
#
# env: VM_DIR (cache, default /var/cache/cni-bridge/vm), VM_KERNEL_PKG
#      (default linux-image-amd64), VM_TIMEOUT (seconds, default 3600).
set -euo pipefail
VM_DIR=${VM_DIR:-/var/cache/cni-bridge/vm}
KPKG=${VM_KERNEL_PKG:-linux-image-amd64}
VM_TIMEOUT=${VM_TIMEOUT:-3600}

die() { echo "vm.sh: $*" >&2; exit 2; }

# The kernel package's real name (the meta package depends on it).
kernel_pkg() {
	apt-cache depends "$KPKG" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}

install_tools() {
	local need=() p
	for p in qemu-system-x86 busybox-static cpio kmod; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || need+=("$p")
	done
	[ ${#need[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "run as root to install: ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends "${need[@]}" >&2
}

setup() {
	install_tools
	local real
	real=$(kernel_pkg)
	if [ -z "$real" ]; then
		apt-get update -q >&2
		real=$(kernel_pkg)
	fi
	[ -n "$real" ] || die "cannot resolve $KPKG to a kernel package"
	local dir=$VM_DIR/$real
	if [ ! -f "$dir/ok" ]; then
		rm -rf "$dir"
		mkdir -p "$dir/root"
		# apt-get download writes as the _apt user where it can; the cache
		# dir is root's, so let it fall back quietly.
		(cd "$dir" && apt-get download -q "$real" 2>&1 | grep -v 'unsandboxed' >&2 || true)
		ls "$dir"/*.deb >/dev/null 2>&1 || die "download of $real failed"
		dpkg-deb -x "$dir"/*.deb "$dir/root"
		rm -f "$dir"/*.deb
		local kv
		kv=$(ls "$dir/root/lib/modules")
		depmod -b "$dir/root" "$kv"
		make_initrd "$dir/root" "$kv" "$dir/initrd.gz"
		touch "$dir/ok"
	fi
	ln -sfn "$real" "$VM_DIR/current"
	echo "vm.sh: ready ($real)" >&2
}

# The initrd holds busybox, the modules that mounting the host root over 9p
# needs (in dependency order), and an /init that mounts it and chroots into
# stage 2 (written per run into the control dir).
make_initrd() {
	local kroot=$1 kv=$2 out=$3 w m
	w=$(mktemp -d)
	mkdir -p "$w/bin" "$w/mods" "$w/mnt" "$w/proc" "$w/sys" "$w/dev"
	cp /bin/busybox "$w/bin/busybox"
	for m in sh mount insmod mkdir chroot cat poweroff; do ln -s busybox "$w/bin/$m"; done
	for m in virtio_pci 9pnet_virtio 9p; do
		modprobe -d "$kroot" -S "$kv" --show-depends "$m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$w/order.full"
	: >"$w/mods/order"
	while read -r m; do
		cp "$m" "$w/mods/"
		basename "$m" >>"$w/mods/order"
	done <"$w/order.full"
	rm "$w/order.full"
	cp "$(dirname "$0")/initrd-init" "$w/init"
	chmod +x "$w/init"
	(cd "$w" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out"
	rm -rf "$w"
}

run() {
	local mem=2048 cpus=2 keep=""
	while [ $# -gt 0 ]; do
		case $1 in
		-m) mem=$2; shift 2 ;;
		-s) cpus=$2; shift 2 ;;
		-k) keep=1; shift ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	[ $# -ge 1 ] || die "usage: vm.sh run [-m MB] [-s CPUS] [-k] CMD"
	[ -f "$VM_DIR/current/ok" ] || die "run 'test/vm/vm.sh setup' first"
	local kroot kv ctl qpid rc
	kroot=$(readlink -f "$VM_DIR/current/root")
	kv=$(ls "$kroot/lib/modules")
	ctl=$(mktemp -d /tmp/cni-vm.XXXXXX)
	printf '%s' "$1" >"$ctl/cmd"
	printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "$kroot" >"$ctl/modprobe"
	chmod +x "$ctl/modprobe"
	printf '%s\n' "$PWD" >"$ctl/cwd"
	if [ -n "$keep" ]; then
		local st
		st=$(cd "${VM_STATE_DIR:?-k needs VM_STATE_DIR}" && pwd) || die "no such dir: $VM_STATE_DIR"
		case $st/ in "$PWD"/*) ;; *) die "VM_STATE_DIR must be under $PWD (the share)" ;; esac
		printf '%s\n' "$st" >"$ctl/state"
	else
		: >"$ctl/state"
	fi
	cp "$(dirname "$0")/stage2" "$ctl/stage2"
	: >"$ctl/out"
	# timeout(1) is the watchdog: a background `sleep; kill` would hold the
	# caller's stdout open for VM_TIMEOUT (a pipe never ends) and might
	# kill a recycled pid.
	timeout "$VM_TIMEOUT" qemu-system-x86_64 -m "$mem" -smp "$cpus" -nographic -no-reboot -nodefaults \
		-serial "file:$ctl/console" \
		-kernel "$kroot/boot/vmlinuz-$kv" -initrd "$VM_DIR/current/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1 no_timer_check" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$ctl,mount_tag=ctl,security_model=none" \
		-virtfs "local,path=$PWD,mount_tag=cwd,security_model=none,multidevs=remap" \
		>"$ctl/qemu.log" 2>&1 &
	qpid=$!
	# A caller that gives up (timeout, Ctrl-C) takes the guest down with it.
	trap 'kill $qpid 2>/dev/null; rm -rf "$ctl"; exit 124' TERM INT HUP
	tail -n +1 -f --pid=$qpid "$ctl/out"
	wait $qpid || true
	if [ ! -f "$ctl/rc" ]; then
		echo "vm.sh: the guest did not finish; console:" >&2
		tail -20 "$ctl/console" >&2
		rm -rf "$ctl"
		exit 125
	fi
	rc=$(cat "$ctl/rc")
	rm -rf "$ctl"
	exit "$rc"
}

case ${1:-} in
setup) setup ;;
run) shift; run "$@" ;;
kernel) ls "$(readlink -f "$VM_DIR/current/root")/lib/modules" ;;
-h | --help | "") sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' ;;
*) die "unknown command $1 (setup, run, kernel)" ;;
esac
