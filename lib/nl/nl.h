/* The one place that speaks rtnetlink (libmnl underneath).
 *
 * Every call takes the socket explicitly. A NETLINK_ROUTE socket stays bound
 * to the netns it was created in, so the same function configures the host
 * (socket made on the main thread) or a container (socket made inside a
 * netns_run worker, usable afterwards from any thread, one thread at a time).
 * Keep a socket per netns; close it with nl_close (or cleanup_nl).
 *
 * Errors: functions return 0 or -1 with err filled (code 999, message naming
 * the object and the errno text). Functions documented as returning an errno
 * (`-ENOENT`, `-EEXIST`) do so without touching err for those expected cases.
 * Dumps interrupted by NLM_F_DUMP_INTR are retried (5 times). */
#pragma once
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "lib/cni/error.h"
#include "lib/cni/ipnet.h"

struct mnl_socket;

struct nl {
	struct mnl_socket *mnl; /* SOCK_CLOEXEC */
	unsigned portid;
	unsigned seq;
};

/* Opens a NETLINK_ROUTE socket in the calling thread's netns. */
int nl_open(struct nl *nl, struct cni_err *err);
void nl_close(struct nl *nl);
static inline void nl_closep(struct nl *nl)
{
	nl_close(nl);
}
#define cleanup_nl __attribute__((cleanup(nl_closep)))

/* ---- links (link.c) ---- */

#define NL_MAC_LEN 6
/* IF_OPER_UNKNOWN and IF_OPER_UP from <linux/if.h>, which clashes with
 * <net/if.h>. */
#define NL_OPER_UNKNOWN 0
#define NL_OPER_UP 6

struct nl_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];	     /* IFLA_INFO_KIND: "bridge", "veth", "" when none */
	char slave_kind[16]; /* IFLA_INFO_SLAVE_KIND: "bridge" for a bridge port */
	uint8_t mac[NL_MAC_LEN];
	unsigned mac_len;
	unsigned mtu;
	unsigned flags;	     /* IFF_* */
	int master;	     /* 0 = none */
	int peer_ifindex;    /* IFLA_LINK (a veth's peer index in its own netns) */
	uint8_t operstate;   /* IF_OPER_* */
	int brport_state;    /* BR_STATE_* from the bridge slave data; -1 = not a port */
	uint8_t brport_mode; /* hairpin flag as reported */
	uint8_t brport_isolated;
	int8_t vlan_filtering; /* IFLA_BR_VLAN_FILTERING of a bridge; -1 = not reported */
	/* The link's IPv6 sysctls (conf/<link>/...) as the kernel reports them
	 * with the link (IFLA_INET6_CONF): a /proc/sys open each costs more
	 * than the whole lookup. -1 = not reported (no IPv6 on the link). */
	int32_t inet6_disable_ipv6, inet6_accept_ra, inet6_addr_gen_mode;
};

/* Looks a link up by name (ifindex 0) or by index, in the socket's netns,
 * and fills *out (no allocation). Returns 0, -ENOENT when there is none
 * (err untouched), -1 on other failures. */
int nl_link_get(struct nl *nl, const char *name, int ifindex, struct nl_link *out,
		struct cni_err *err);

/* Creates a bridge. Returns 0, -EEXIST when a link with that name exists
 * (err untouched; the caller decides whether that is fine), -1 otherwise.
 * mtu 0 = kernel default; mac NULL = kernel's random one, which then
 * follows the lowest port MAC until set explicitly. vlan_filtering: born
 * with IFLA_BR_VLAN_FILTERING on; a kernel without
 * CONFIG_BRIDGE_VLAN_FILTERING refuses the whole creation (nothing is
 * left) and this returns -EOPNOTSUPP with err untouched. */
int nl_bridge_create(struct nl *nl, const char *name, unsigned mtu, const uint8_t *mac,
		     bool vlan_filtering, struct cni_err *err);

struct nl_veth_req {
	const char *name;      /* created in the netns of ns_fd */
	int ns_fd;	       /* the container netns; borrowed, not closed; -1 = the socket's */
	const char *peer_name; /* created in the socket's netns */
	unsigned mtu;	       /* both ends; 0 = default */
	const uint8_t *mac;    /* of `name`; NULL = random */
	int master;	       /* ifindex of a bridge for peer_name; 0 = none */
	bool host_up;	       /* peer_name created up */
};
/* One RTM_NEWLINK from the host socket creates the pair: peer_name in the
 * socket's netns (already on master and up when asked), `name` inside
 * ns_fd's netns. Returns 0, -EEXIST when either name is taken (err
 * untouched), -1 otherwise (nothing is left behind). */
int nl_veth_create(struct nl *nl, const struct nl_veth_req *req, struct cni_err *err);

int nl_link_set_up(struct nl *nl, int ifindex, const char *what, struct cni_err *err);
int nl_link_set_master(struct nl *nl, int ifindex, int master, const char *what,
		       struct cni_err *err);
/* The same for the link called name, without looking its index up first;
 * -ENOENT (err untouched) when there is none. */
int nl_link_set_master_by_name(struct nl *nl, const char *name, int master, struct cni_err *err);
int nl_link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[NL_MAC_LEN], const char *what,
		    struct cni_err *err);
/* Asks the kernel for operstate UP (IFLA_OPERSTATE): it only moves a link
 * from UNKNOWN, DORMANT or TESTING, and never one whose link mode keeps
 * it dormant. */
int nl_link_set_oper_up(struct nl *nl, int ifindex, const char *what, struct cni_err *err);
int nl_link_set_promisc(struct nl *nl, int ifindex, const char *what, struct cni_err *err);
/* Bridge-port flags (hairpin, isolated) in one IFLA_INFO_SLAVE_DATA
 * message; the link must already be enslaved. */
int nl_brport_set(struct nl *nl, int ifindex, bool hairpin, bool isolated, const char *what,
		  struct cni_err *err);
/* Returns 0, -ENOENT when the link is already gone (err untouched), -1. */
int nl_link_del(struct nl *nl, int ifindex, const char *what, struct cni_err *err);

/* ---- bridge VLANs (bridge_vlan.c) ----
 * Port VLANs are RTM_SETLINK/RTM_DELLINK messages of family AF_BRIDGE with
 * IFLA_BRIDGE_VLAN_INFO entries in IFLA_AF_SPEC, sent to the port (master
 * flag). A kernel without CONFIG_BRIDGE_VLAN_FILTERING answers EOPNOTSUPP:
 * these functions then return -EOPNOTSUPP with err untouched. */

/* One VID or a range vid..vid_end (vid_end == vid for one) with
 * BRIDGE_VLAN_INFO_PVID / BRIDGE_VLAN_INFO_UNTAGGED flags (a range cannot
 * be the PVID). */
struct nl_vlan {
	uint16_t vid, vid_end;
	uint16_t flags;
};

/* Turns IFLA_BR_VLAN_FILTERING of a bridge on or off. */
int nl_bridge_set_vlan_filtering(struct nl *nl, int ifindex, bool on, const char *what,
				 struct cni_err *err);
/* Adds (add) or removes the VLANs v[0..n) on a bridge port; any number of
 * entries (sent in as many messages as needed). */
int nl_port_vlan_change(struct nl *nl, int ifindex, bool add, const struct nl_vlan *v, size_t n,
			const char *what, struct cni_err *err);
/* The port's VLANs, one entry per VID (ranges expanded; vid_end == vid).
 * *out malloc'd (free it); *n may be 0 (no VLANs, or not a port). */
int nl_port_vlan_list(struct nl *nl, int ifindex, struct nl_vlan **out, size_t *n,
		      struct cni_err *err);

/* ---- addresses (addr.c) ---- */

struct nl_addr {
	struct cni_ipnet ipnet;
	unsigned char scope; /* RT_SCOPE_* */
	unsigned flags;	     /* IFA_F_*, from IFA_FLAGS when present */
};

/* All addresses of ifindex in family (AF_UNSPEC = both). *out is malloc'd
 * (free it); *n may be 0. */
int nl_addr_list(struct nl *nl, int ifindex, int family, struct nl_addr **out, size_t *n,
		 struct cni_err *err);
/* Returns 0, -EEXIST (err untouched) when exactly this address is present,
 * -1 otherwise (message names the address and the link). */
int nl_addr_add(struct nl *nl, int ifindex, const struct cni_ipnet *a, const char *what,
		struct cni_err *err);
int nl_addr_del(struct nl *nl, int ifindex, const struct cni_ipnet *a, const char *what,
		struct cni_err *err);

/* ---- notifications (watch.c) ---- */

/* Opens a socket in the calling thread's netns subscribed to one multicast
 * group (RTNLGRP_*, e.g. RTNLGRP_IPV6_IFADDR). Use it for nl_watch_wait
 * only and make requests on another socket: replies are matched by
 * sequence number, so a request on this one would swallow notifications.
 * Subscribe before reading the state, so no change is missed in between.
 * Close with nl_close (or cleanup_nl). */
int nl_watch_open(struct nl *nl, unsigned group, struct cni_err *err);
/* Waits up to timeout_ms (-1 = forever) for notifications and discards all
 * that are queued. Returns 1 when something arrived (also when the kernel
 * dropped some, or a signal interrupted the wait): re-read the state then;
 * 0 on timeout; -1 with err on failure. */
int nl_watch_wait(struct nl *nl, int timeout_ms, struct cni_err *err);
/* A wait for a state the kernel announces on group: check(arg, err) looks
 * at the state and returns 1 (reached), 0 (not yet) or -1 (err set). It is
 * called once at once (most waits end there, with no socket opened); when
 * not yet, a watch socket is subscribed, check is called again (a change
 * before the subscription is not missed) and after every notification,
 * until timeout_ms have passed. Returns 1 reached, 0 timed out (the caller
 * words that error), -1 with err. Watches the calling thread's netns. */
int nl_watch_until(unsigned group, int timeout_ms, int (*check)(void *arg, struct cni_err *err),
		   void *arg, struct cni_err *err);
struct nlmsghdr;
/* The loop under the nl_watch_* readers: reads the notifications queued on
 * watch, handing each message to scan, then, when none of them made scan
 * return true, waits for more until timeout_ms have passed. Returns 1 when
 * some did, 0 when none came in time, 2 when the kernel dropped
 * notifications (ENOBUFS: look with a request instead), -1 with err (what
 * names the notifications in its message). */
int nl_watch_scan(struct nl *watch, int timeout_ms,
		  bool (*scan)(const struct nlmsghdr *nlh, void *arg), void *arg, const char *what,
		  struct cni_err *err);
/* Reads the link notifications on watch (subscribed to RTNLGRP_LINK): the
 * queued ones, then, when none of them does, those that arrive within
 * timeout_ms (link.c: it parses them as nl_link_get does). Notifications
 * about other links, or that fail ok, do not end the wait early. A
 * notification carries the link's whole state,
 * as a GETLINK reply does, and reading it does not take the RTNL lock
 * that a GETLINK waits for. Returns 1 with *out = the last RTM_NEWLINK
 * about name for which ok(link, arg) holds, 0 when none came, 2 when the
 * kernel dropped notifications (ENOBUFS: look with a GETLINK instead),
 * -1 with err. */
int nl_watch_link(struct nl *watch, const char *name, int timeout_ms,
		  bool (*ok)(const struct nl_link *l, void *arg), void *arg, struct nl_link *out,
		  struct cni_err *err);

/* Reads the address notifications on watch (subscribed to
 * RTNLGRP_IPV6_IFADDR or RTNLGRP_IPV4_IFADDR), as nl_watch_link does links:
 * returns 1 once an RTM_NEWADDR about ifindex for which ok(addr, arg) holds
 * has come, 0 when none came within timeout_ms, 2 when the kernel dropped
 * notifications, -1 with err. */
int nl_watch_addr(struct nl *watch, int ifindex, int timeout_ms,
		  bool (*ok)(const struct nl_addr *a, void *arg), void *arg, struct cni_err *err);

/* ---- routes (route.c) ---- */

struct nl_route {
	struct cni_ipnet dst; /* prefix 0 = default */
	bool has_gw;
	struct cni_ip gw;
	int oif;
	int priority; /* 0 = none */
	int table;    /* RT_TABLE_MAIN when not given */
	int scope;    /* RT_SCOPE_UNIVERSE by default */
};

/* Adds with NLM_F_CREATE and without EXCL or APPEND (upstream's
 * RouteAddEcmp): a second route to the same destination through another
 * gateway is prepended (IPv4) or joins as an ECMP nexthop (IPv6). Returns 0,
 * -EEXIST (err untouched), -1. */
int nl_route_add(struct nl *nl, const struct nl_route *r, struct cni_err *err);
/* Routes of family in every table (unicast only). *out malloc'd. */
int nl_route_list(struct nl *nl, int family, struct nl_route **out, size_t *n, struct cni_err *err);

/* ---- batches (batch.c) ----
 * Change requests queued and sent in one sendmsg; the acks are read
 * together. The kernel runs every request of a batch, in order, even after
 * one failed; nl_batch_send reports the first failure in queue order. */

#define NL_BATCH_MAX 8
struct nlmsghdr;
struct nl_batch_item {
	struct nlmsghdr *hdr;
	int rc;		  /* 0 acked, -errno, 1 = not answered (yet) */
	char what[160];	  /* "failed to add IP addr 10.1.0.2/16 to eth0" */
	char eexist[192]; /* the whole message for -EEXIST; "" = the usual one */
};
struct nl_batch {
	struct nl *nl;
	int n;
	size_t len;
	char buf[NL_BATCH_MAX * 192];
	struct nl_batch_item items[NL_BATCH_MAX];
	char ext[256]; /* extended ack text of the first failure */
};
void nl_batch_init(struct nl_batch *b, struct nl *nl);
/* Sends the queue, waits for every answer. Returns 0 when all succeeded,
 * -1 with err = the first failure ("<what>: <strerror>[ (<extack>)]", or
 * the item's eexist message). The batch is then spent: init it again. */
int nl_batch_send(struct nl_batch *b, struct cni_err *err);
/* Queue a request like nl_addr_add / nl_link_set_up / nl_route_add would
 * send it. Return 0, or -E2BIG when the batch is full (send it first). */
int nl_batch_addr_add(struct nl_batch *b, int ifindex, const struct cni_ipnet *a, const char *what);
int nl_batch_link_up(struct nl_batch *b, int ifindex, const char *what);
/* The same request also sets the link's IPv4 arp_notify to 1, as a write
 * to conf/<link>/arp_notify would. The kernel applies it after the flags:
 * set it this way only on a link with no IPv4 address yet, where going up
 * announces nothing either way. */
int nl_batch_link_up_arp_notify(struct nl_batch *b, int ifindex, const char *what);
int nl_batch_route_add(struct nl_batch *b, const struct nl_route *r);

/* ---- helpers (mac.c) ---- */

/* "aa:bb:cc:dd:ee:ff" (lowercase); buf holds 18 bytes. */
char *nl_mac_format(const uint8_t *mac, unsigned len, char *buf);
