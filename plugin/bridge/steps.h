/* The named steps of the bridge verbs (add.c, del.c, check.c read as a list
 * of these). Host-side steps run on the main thread with a host netlink
 * socket; container-side steps run inside CNI_NETNS through one netns_run. */
#pragma once
#include <net/if.h>
#include <semaphore.h>
#include "plugin/bridge/conf.h"
#include "lib/cni/result.h"
#include "lib/netns/netns.h"
#include "lib/nl/nl.h"

#define BRIDGE_MAX_GWS 16

/* gateway/prefix addresses to put on the bridge (isGateway). */
struct bridge_gws {
	struct cni_ipnet v[BRIDGE_MAX_GWS];
	size_t n;
};

/* gateway.c: the reference's calcGateways on the IPAM result: every IP gets
 * interface `iface`; a missing gateway becomes network+1 when isGateway;
 * isDefaultGateway appends one default route per family unless IPAM already
 * gives a default route with a gateway. Pure (no kernel access). */
int bridge_calc_gateways(const struct bridge_conf *c, struct cni_result *ipam, int iface,
			 struct bridge_gws *gws, struct cni_err *err);

/* bridge_link.c (host): create the bridge if missing (a concurrent ADD's
 * EEXIST is fine; another link type is an error), accept_ra=0, promisc if
 * asked, up. Fills *br. */
int bridge_ensure(struct nl *host, const struct bridge_conf *c, struct nl_link *br,
		  struct cni_err *err);
/* A link's addresses as one look found them (both families). */
struct bridge_addrs {
	struct nl_addr *v;
	size_t n;
};
void bridge_addrs_free(struct bridge_addrs *seen);
/* Before this ADD's veth joins the bridge (isGateway on the bridge itself):
 * reads the bridge's addresses into *seen and, when some gateway is
 * missing and can be added (no conflict, or forceAddress), pins the
 * bridge MAC to br->mac, the MAC bridge_ensure found (upstream's value,
 * set earlier than upstream so that no concurrent ADD can see the address
 * without the pin; a zero MAC becomes one derived from the bridge). */
int bridge_pin_before_join(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
			   const struct bridge_gws *gws, struct bridge_addrs *seen,
			   struct cni_err *err);
/* Put gw on link br with the reference's conflict rules (IPv4: any other
 * IPv4 address conflicts; IPv6: an overlapping subnet does) and
 * forceAddress. EEXIST (a concurrent ADD) is success. seen: the addresses
 * bridge_pin_before_join found (NULL: list them now); a conflict in it is
 * judged on a fresh list. pin: after adding the address, pin br's MAC to
 * br->mac (upstream ensureAddr; for the VLAN gateway interface). An
 * address already there changes nothing. */
int bridge_ensure_addr(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
		       const struct cni_ipnet *gw, const struct bridge_addrs *seen, bool pin,
		       struct cni_err *err);
/* ip_forward / conf/all/forwarding = 1 unless already 1 (host thread). */
int bridge_enable_forwarding(int family, struct cni_err *err);

/* veth.c (host): creates the pair with one RTM_NEWLINK; the container end
 * is ifname inside ns, the host end is veth<8 hex> (retried on a clash),
 * up, and already a port of br when join (else veth_join makes it one).
 * Fills host_name. */
int veth_create(struct nl *host, const struct netns *ns, const char *ifname,
		const struct bridge_conf *c, const struct nl_link *br, bool join,
		char host_name[IFNAMSIZ], struct cni_err *err);
/* The host end of a pair made without join becomes a port of br. */
int veth_join(struct nl *host, const struct nl_link *br, const char *host_name,
	      struct cni_err *err);
/* The rest of the host end: hairpin / isolation (only when asked), the
 * port's VLANs, accept_ra=0; with VLANs the port was made down (no frame
 * may cross it on VLAN 1) and goes up here. */
int veth_config_host_end(struct nl *host, const struct bridge_conf *c, const char *host_name,
			 struct cni_err *err);
/* A fresh "veth<8 hex>" name (the reference's pattern). */
int veth_random_name(char name[IFNAMSIZ], struct cni_err *err);
/* Enslave to the bridge, hairpin, VLANs, accept_ra=0, up. Fills *port.
 * For a pair made without master and up (VLAN gateway pairs). */
int veth_attach_host_end(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
			 const char *host_name, struct nl_link *port, struct cni_err *err);
/* The port forwards once the container's end is up: veth_watch_open
 * subscribes *watch to link notifications, before the container's end goes
 * up (for a port that joins after that, *watch stays closed and the wait
 * starts with a look); veth_wait_forwarding then waits (2.5 s at most)
 * until the port is oper-up and enabled on the bridge (forwarding, or listening/learning on
 * an STP bridge). *port is its last state seen (its MAC goes into the
 * result). */
int veth_watch_open(struct nl *watch, struct cni_err *err);
int veth_wait_forwarding(struct nl *host, struct nl *watch, const char *host_name,
			 struct nl_link *port, struct cni_err *err);

/* container.c, check_ns.c: each ctr_* verb step is one netns_run, so its
 * work happens on a worker thread inside CNI_NETNS (its own netlink
 * socket, /proc/sys/net of the container) while the calling host thread
 * waits. Pointers in the structs are borrowed from the caller. */

/* Inside the netns (a netns_run worker): opens *nl there and looks ifname
 * up. Returns 0, -ENOENT (err untouched; nl stays open) or -1. The caller
 * closes nl (cleanup_nl). */
int ctr_open_link(struct nl *nl, const char *ifname, struct nl_link *l, struct cni_err *err);

/* ADD: container sysctls (L3 only), addresses, link up (unless
 * disableContainerInterface), IPv6 settle, routes (the changes in one
 * netlink batch when there is no IPv6 settle between them); reports the
 * MAC. */
struct ctr_setup {
	const struct bridge_conf *conf;
	const char *ifname;
	const struct cni_result *ipam; /* NULL in L2 mode; every IP is ours */
	/* The host end joins the bridge after this step (add.c says why):
	 * wait, CTR_LLADDR_WAIT_MS at most, until the kernel has made the
	 * link-local address valid, when it does so at once (IPv6 on, no
	 * DAD), so that its first announcements are over before the join. */
	bool await_lladdr;
	uint8_t mac[NL_MAC_LEN]; /* out: the container end's MAC */
	int peer_ifindex;	 /* out */
};
#define CTR_LLADDR_WAIT_MS 200
int ctr_setup(const struct netns *ns, struct ctr_setup *s, struct cni_err *err);

/* settle.c (inside the netns): upstream v1.9.1 ConfigureIface waits for
 * DAD only when an IP has an IPv6 gateway (pkg/ipam/ipam_linux.go:116). */
bool ctr_settle_needed(const struct cni_result *ipam);
#define CTR_SETTLE_TIMEOUT_MS 5000
/* Upstream SettleAddresses (pkg/ip/addr_linux.go:34), event-driven: waits
 * until no IPv6 address of the link is tentative; DADFAILED is an error;
 * at the deadline an oper-up link is an error and any other one success
 * (upstream v1.9.0: DAD never ends on a link without carrier). */
int ctr_settle_addresses(struct nl *nl, int ifindex, const char *ifname, int timeout_ms,
			 struct cni_err *err);

/* Deletes ifname if present and records its global addresses (for the
 * masquerade teardown). *gone is set when there was nothing to delete. */
struct ctr_teardown {
	const char *ifname;
	struct nl_addr *addrs; /* out, malloc'd; the caller frees it, also after an error */
	size_t n_addrs;
	bool gone;
	/* private: the worker and the signal that addrs are final */
	struct netns_task task;
	sem_t ready;
	bool posted;
};
int ctr_teardown(const struct netns *ns, struct ctr_teardown *t, struct cni_err *err);
/* The same in two halves: start returns once addrs are collected (or the
 * worker failed: then err is only valid after finish), while the kernel
 * still deletes the link; finish waits for that and returns what
 * ctr_teardown would. err belongs to the worker until finish returns.
 * After a failed start, do not call finish. */
int ctr_teardown_start(const struct netns *ns, struct ctr_teardown *t, struct cni_err *err);
int ctr_teardown_finish(struct ctr_teardown *t);

/* CHECK inside the netns: ifname exists, is a veth with mac (NULL = skip),
 * carries every address of ips that points at iface, and every route. */
struct ctr_check {
	const char *ifname;
	const char *mac;
	const struct cni_result *prev;
	int iface;	  /* index of the container interface in prev */
	int peer_ifindex; /* out */
};
int ctr_check(const struct netns *ns, struct ctr_check *c, struct cni_err *err);
