/* The kernel side of `cni-bridge`: every network namespace on the node and,
 * for those that hold the peer of a host veth, their links and addresses.
 * Read with libnl-route-3 caches (this is the only file of the project that
 * includes libnl: the plugins speak rtnetlink through lib/nl on libmnl, and
 * the two must not be mixed in one object, their symbol names overlap), then
 * copied into the plain structs below, so the rest of plugin/operator needs
 * no libnl header. Runs in the caller's (host) netns; namespaces are entered
 * only by lib/netns worker threads. */
#pragma once
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/cni/error.h"
#include "lib/cni/ipnet.h"

struct op_iface {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16]; /* "veth", "bridge", ... ("" when the kernel gives none) */
	char mac[18];  /* "aa:bb:cc:dd:ee:ff" or "" */
	bool up;
	int master;	/* ifindex of the master (bridge) in the same netns, 0 = none */
	int peer;	/* veth: the peer's ifindex, 0 = unknown */
	int peer_nsid;	/* veth: the peer's netns id as this netns sees it, -1 = same netns */
	bool peer_gone; /* veth: the peer's netns is being destroyed (the veth goes with it) */
	struct cni_ipnet *addrs; /* global and link addresses, as configured */
	size_t n_addrs;
};

struct op_ns {
	char *path;	   /* a path that opens it: /run/netns/x, a mount, /proc/<pid>/ns/net */
	uint64_t dev, ino; /* its identity */
	int nsid;	   /* its id as the host netns sees it, -1 = none assigned */
	bool host;	   /* the caller's own netns */
	bool loaded;	   /* ifs below were read (only for the host and netns with an nsid) */
	struct op_iface *ifs;
	size_t n_ifs;
};

struct op_kernel {
	struct op_ns *ns; /* ns[0] is the host */
	size_t n;
};

/* Finds every netns: the entries of /run/netns, nsfs mounts in /proc/self/mountinfo,
 * /proc/<pid>/ns/net, deduplicated by inode. Reads the links and addresses
 * of the host and of each netns the host has an nsid for (only those can
 * hold a veth peer of a host link; the others are listed, not entered). A
 * netns that vanishes meanwhile is skipped; a host veth whose peer netns is
 * being destroyed (deleted, not yet torn down) is marked peer_gone. Errors: code 5 when the host's
 * own links or addresses cannot be read. Free with op_kernel_free. */
int op_kernel_load(struct op_kernel *k, struct cni_err *err);
void op_kernel_free(struct op_kernel *k);
/* The host link by name (ifindex 0) or by ifindex (name NULL), or NULL. */
const struct op_iface *op_ns_iface(const struct op_ns *ns, const char *name, int ifindex);
/* The netns holding a host veth's peer, NULL when not found/not loaded or
 * peer_gone. */
const struct op_ns *op_kernel_peer_ns(const struct op_kernel *k, const struct op_iface *hostif);
/* Deletes host link ifindex if it still has that name (a veth takes its
 * peer with it). Missing is success. Errors: code 5 with the errno. */
int op_kernel_link_del(int ifindex, const char *name, struct cni_err *err);
