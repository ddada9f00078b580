/* Everything done inside CNI_NETNS, each verb in one netns_run: the worker
 * opens its own netlink socket there and /proc/sys/net files resolve to the
 * container's netns because this thread is in it. */
#include "plugin/bridge/steps.h"
#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include "lib/cni/log.h"
#include "lib/sysctl/sysctl.h"

/* DAD off unless asked (no 1-2 s settle), and arp_notify as the
 * reference sets it (a later MAC change is announced). Errors are ignored
 * as in the reference: IPv6 may be off in the container. arp_notify goes
 * with the request that sets the link up when there is one (no /proc/sys
 * open): the link has no address yet then. */
static void set_link_sysctls(const struct ctr_setup *s)
{
	if (s->conf->enable_dad) {
		sysctl_iface_write("ipv6", s->ifname, "enhanced_dad", "1", NULL);
		sysctl_iface_write("ipv6", s->ifname, "accept_dad", "1", NULL);
	} else {
		sysctl_iface_write("ipv6", s->ifname, "accept_dad", "0", NULL);
	}
	if (s->conf->disable_container_iface)
		sysctl_iface_write("ipv4", s->ifname, "arp_notify", "1", NULL);
}

/* Before the first IPv6 address: IPv6 on for lo and the link, and keep the
 * addresses if the link goes down. Write failures are fatal. */
static int enable_ipv6(const char *ifname, struct cni_err *err)
{
	const char *names[] = {"lo", ifname};
	char path[96], cur[16];

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "ipv6/conf/%s/disable_ipv6", names[i]);
		if (sysctl_read(path, cur, sizeof(cur), NULL) == 0 && !strcmp(cur, "0"))
			continue;
		if (sysctl_write(path, "0", err) < 0)
			return -1;
	}
	return sysctl_iface_write("ipv6", ifname, "keep_addr_on_down", "1", err);
}

static bool has_v6(const struct cni_result *r)
{
	for (size_t i = 0; r && i < r->n_ips; i++)
		if (r->ips[i].address.ip.family == AF_INET6)
			return true;
	return false;
}

/* Makes room in b for one more request: sends a full batch first. */
static int batch_room(struct nl_batch *b, struct cni_err *err)
{
	int rc;

	if (b->n < NL_BATCH_MAX)
		return 0;
	rc = nl_batch_send(b, err);
	nl_batch_init(b, b->nl);
	return rc;
}

static int queue_addresses(struct nl_batch *b, const struct ctr_setup *s, int ifindex,
			   struct cni_err *err)
{
	if (has_v6(s->ipam) && enable_ipv6(s->ifname, err) < 0)
		return -1;
	for (size_t i = 0; i < s->ipam->n_ips; i++)
		if (batch_room(b, err) < 0 ||
		    nl_batch_addr_add(b, ifindex, &s->ipam->ips[i].address, s->ifname) < 0)
			return -1;
	return 0;
}

static const struct cni_ip *first_gateway(const struct cni_result *r, int family)
{
	for (size_t i = 0; i < r->n_ips; i++)
		if (r->ips[i].address.ip.family == family && r->ips[i].has_gateway)
			return &r->ips[i].gateway;
	return NULL;
}

static void to_nl_route(const struct cni_route *cr, const struct cni_result *r, int oif,
			struct nl_route *out)
{
	const struct cni_ip *gw = cr->has_gw ? &cr->gw : first_gateway(r, cr->dst.ip.family);

	memset(out, 0, sizeof(*out));
	out->dst = cr->dst;
	out->has_gw = gw != NULL;
	if (gw)
		out->gw = *gw;
	out->oif = oif;
	out->priority = cr->priority;
	out->table = cr->has_table ? cr->table : RT_TABLE_MAIN;
	out->scope = cr->has_scope ? cr->scope : RT_SCOPE_UNIVERSE;
}

static bool same_route(const struct nl_route *a, const struct nl_route *b)
{
	struct cni_ipnet na = cni_ipnet_network(&a->dst), nb = cni_ipnet_network(&b->dst);

	return na.prefix == nb.prefix && cni_ip_equal(&na.ip, &nb.ip) && a->has_gw == b->has_gw &&
	       (!a->has_gw || cni_ip_equal(&a->gw, &b->gw)) && a->priority == b->priority &&
	       a->table == b->table;
}

/* A gw-less IPAM default route gets the same gateway as the one
 * isDefaultGateway adds; the reference then fails on EEXIST. The second
 * identical route is simply already there. */
static int queue_routes(struct nl_batch *b, const struct cni_result *r, int oif,
			struct cni_err *err)
{
	for (size_t i = 0; i < r->n_routes; i++) {
		struct nl_route rt, prev;
		bool dup = false;
		to_nl_route(&r->routes[i], r, oif, &rt);
		for (size_t j = 0; j < i && !dup; j++) {
			to_nl_route(&r->routes[j], r, oif, &prev);
			dup = same_route(&rt, &prev);
		}
		if (dup)
			continue;
		if (batch_room(b, err) < 0 || nl_batch_route_add(b, &rt) < 0)
			return -1;
	}
	return 0;
}

/* Whether the link's IPv6 link-local address will be valid as soon as the
 * link has carrier, with its router solicitation and MLD reports sent at
 * once (accept_dad=0 was just written): IPv6 on for the link, addresses
 * generated, and no DAD forced by conf/all (the kernel takes the larger of
 * the two accept_dad). The link's own knobs come from its lookup l, made
 * before queue_addresses, which turns IPv6 on when an address needs it
 * (v6_on). No IPv6 reported, or a knob that cannot be read, means no IPv6
 * there. */
static bool lladdr_at_once(const struct nl_link *l, bool v6_on)
{
	char v[16];

	if (l->inet6_disable_ipv6 < 0 || (l->inet6_disable_ipv6 != 0 && !v6_on))
		return false;
	if (l->inet6_addr_gen_mode == IN6_ADDR_GEN_MODE_NONE)
		return false;
	return sysctl_read("ipv6/conf/all/accept_dad", v, sizeof(v), NULL) == 0 && atoi(v) < 1;
}

static bool valid_lladdr(const struct nl_addr *a, void *arg)
{
	(void)arg;
	return a->ipnet.ip.family == AF_INET6 && a->scope == RT_SCOPE_LINK &&
	       !(a->flags & IFA_F_TENTATIVE);
}

/* See ctr_setup.await_lladdr. The kernel announces the address from the
 * same locked section that then sends the solicitation and reports, so the
 * host thread's next RTNL request (joining the bridge) comes after them.
 * Best effort: without the announcement (notifications dropped, a kernel
 * that differs) the join only happens earlier, as without the wait. */
static void await_lladdr(struct nl *watch, int ifindex)
{
	struct cni_err e = {0};

	if (nl_watch_addr(watch, ifindex, CTR_LLADDR_WAIT_MS, valid_lladdr, NULL, &e) < 0)
		cni_warn_err(&e, "ADD: waiting for the container's link-local address");
	cni_err_clear(&e);
}

int ctr_open_link(struct nl *nl, const char *ifname, struct nl_link *l, struct cni_err *err)
{
	if (nl_open(nl, err) < 0)
		return -1;
	return nl_link_get(nl, ifname, 0, l, err);
}

static int setup_in_ns(void *arg, struct cni_err *err)
{
	struct ctr_setup *s = arg;
	cleanup_nl struct nl nl = {0}, watch = {0};
	struct nl_link l;
	int rc = ctr_open_link(&nl, s->ifname, &l, err);

	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "%s not found in the container after creation", s->ifname);
	if (rc)
		return -1;
	/* L2 leaves the container's IPv6/ARP defaults alone, as the reference:
	 * whatever configures addresses there (DHCP, SLAAC) may want DAD. */
	if (s->ipam)
		set_link_sysctls(s);
	/* Up, addresses and routes go to the kernel as one batch; with IPv6
	 * the routes wait for DAD in a second one (a route via a tentative
	 * address' subnet would fail). Up comes first, as in the floor
	 * program: the link has no address yet when it goes up, so
	 * arp_notify sends no gratuitous ARP then. With the address first,
	 * that broadcast is flooded by the bridge to every pod on the node
	 * inside this very request (about 1.4 ms per ADD at 250 pods on the
	 * bench machine, issue 14) whenever the linkwatch worker has enabled
	 * the bridge port before the announcement leaves; that is a race, and
	 * on a quiet bridge the port is usually still disabled, so the
	 * reference's own announcement is mostly dropped: neighbours lose
	 * nothing they could count on. */
	struct nl_batch b;
	nl_batch_init(&b, &nl);
	if (!s->conf->disable_container_iface &&
	    (batch_room(&b, err) < 0 ||
	     (s->ipam ? nl_batch_link_up_arp_notify(&b, l.ifindex, s->ifname)
		      : nl_batch_link_up(&b, l.ifindex, s->ifname)) < 0))
		return -1;
	if (s->ipam && queue_addresses(&b, s, l.ifindex, err) < 0)
		return -1;
	/* After queue_addresses: it may turn IPv6 on. */
	if (s->await_lladdr && lladdr_at_once(&l, has_v6(s->ipam)) &&
	    nl_watch_open(&watch, RTNLGRP_IPV6_IFADDR, err) < 0)
		return -1;
	if (s->ipam && ctr_settle_needed(s->ipam)) {
		if (nl_batch_send(&b, err) < 0)
			return -1;
		nl_batch_init(&b, &nl);
		if (ctr_settle_addresses(&nl, l.ifindex, s->ifname, CTR_SETTLE_TIMEOUT_MS, err) < 0)
			return -1;
	}
	if (s->ipam && queue_routes(&b, s->ipam, l.ifindex, err) < 0)
		return -1;
	if (nl_batch_send(&b, err) < 0)
		return -1;
	if (watch.mnl)
		await_lladdr(&watch, l.ifindex);
	/* Neither addresses nor up change a MAC: the one the kernel chose (or
	 * the one asked for) is the one looked up first. */
	memcpy(s->mac, l.mac, NL_MAC_LEN);
	s->peer_ifindex = l.peer_ifindex;
	return 0;
}

int ctr_setup(const struct netns *ns, struct ctr_setup *s, struct cni_err *err)
{
	return netns_run(ns, setup_in_ns, s, err);
}

/* Wakes the host thread waiting in ctr_teardown_start, once. */
static void addrs_ready(struct ctr_teardown *t)
{
	if (!t->posted) {
		t->posted = true;
		sem_post(&t->ready);
	}
}

static void teardown_done(void *arg)
{
	addrs_ready(arg);
}

static int teardown_in_ns(void *arg, struct cni_err *err)
{
	struct ctr_teardown *t = arg;
	cleanup_nl struct nl nl = {0};
	struct nl_link l;
	int rc = ctr_open_link(&nl, t->ifname, &l, err);

	if (rc == -ENOENT) {
		t->gone = true;
		return 0;
	}
	if (rc)
		return -1;
	if (nl_addr_list(&nl, l.ifindex, AF_UNSPEC, &t->addrs, &t->n_addrs, err) < 0)
		return -1;
	/* Keep only global unicast ones, as the reference collects. */
	size_t k = 0;
	for (size_t i = 0; i < t->n_addrs; i++)
		if (t->addrs[i].scope == RT_SCOPE_UNIVERSE)
			t->addrs[k++] = t->addrs[i];
	t->n_addrs = k;
	/* The host thread may go on with the rules now; the deletion below
	 * waits for the kernel (RCU grace periods) for most of a DEL. */
	addrs_ready(t);
	rc = nl_link_del(&nl, l.ifindex, t->ifname, err);
	if (rc == -ENOENT)
		t->gone = true;
	return rc == -1 ? -1 : 0;
}

int ctr_teardown_start(const struct netns *ns, struct ctr_teardown *t, struct cni_err *err)
{
	t->posted = false;
	if (sem_init(&t->ready, 0, 0) < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "sem_init");
	t->task.done = teardown_done;
	if (netns_start(&t->task, ns, teardown_in_ns, t, err) < 0) {
		sem_destroy(&t->ready);
		return -1;
	}
	while (sem_wait(&t->ready) < 0 && errno == EINTR)
		;
	return 0;
}

int ctr_teardown_finish(struct ctr_teardown *t)
{
	int rc = netns_join(&t->task);

	sem_destroy(&t->ready);
	return rc;
}

int ctr_teardown(const struct netns *ns, struct ctr_teardown *t, struct cni_err *err)
{
	if (ctr_teardown_start(ns, t, err) < 0)
		return -1;
	return ctr_teardown_finish(t);
}
