/* The veth pair: created from the host in one message, host end attached
 * to the bridge, then waited on until it forwards. */
#include "plugin/bridge/steps.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/if_bridge.h>
#include <sys/random.h>
#include <linux/rtnetlink.h>
#include "lib/util/clock.h"
#include "lib/sysctl/sysctl.h"
#include "plugin/bridge/vlan.h"

#define VETH_NAME_ATTEMPTS 10
#define FORWARD_TIMEOUT_MS 2500

int veth_random_name(char name[IFNAMSIZ], struct cni_err *err)
{
	uint8_t r[4];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "failed to generate veth name");
	snprintf(name, IFNAMSIZ, "veth%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
	return 0;
}

int veth_create(struct nl *host, const struct netns *ns, const char *ifname,
		const struct bridge_conf *c, const struct nl_link *br, bool join,
		char host_name[IFNAMSIZ], struct cni_err *err)
{
	/* The host end is born up, and on the bridge unless it joins later:
	 * round trips fewer than enslaving and raising it afterwards. Up
	 * before the container end is too: IPv6 DAD in the container
	 * (enabledad) only runs once the link has carrier, i.e. both ends are
	 * up. */
	struct nl_veth_req req = {
	    .name = ifname,
	    .ns_fd = ns->fd,
	    .peer_name = host_name,
	    .mtu = c->mtu,
	    .mac = c->has_mac ? c->mac : NULL,
	    .master = join ? br->ifindex : 0,
	    .host_up = !bridge_vlan_wanted(c),
	};

	for (int i = 0; i < VETH_NAME_ATTEMPTS; i++) {
		struct nl_link other;
		int rc;
		if (veth_random_name(host_name, err) < 0)
			return -1;
		rc = nl_veth_create(host, &req, err);
		if (rc != -EEXIST)
			return rc;
		/* EEXIST names no side: a host-side clash is retried with a new
		 * name, otherwise the container already has ifname. */
		rc = nl_link_get(host, host_name, 0, &other, err);
		if (rc == -ENOENT)
			return cni_err_set(err, CNI_ERR_INTERNAL,
					   "container veth name provided (%s) already exists in %s",
					   ifname, ns->path);
		if (rc < 0)
			return -1;
	}
	return cni_err_set(err, CNI_ERR_INTERNAL,
			   "failed to find a free host veth name after %d attempts",
			   VETH_NAME_ATTEMPTS);
}

int veth_join(struct nl *host, const struct nl_link *br, const char *host_name, struct cni_err *err)
{
	int rc = nl_link_set_master_by_name(host, host_name, br->ifindex, err);

	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL, "host veth %s vanished", host_name);
	return rc < 0 ? -1 : 0;
}

int veth_config_host_end(struct nl *host, const struct bridge_conf *c, const char *host_name,
			 struct cni_err *err)
{
	/* A new port starts with both flags off: one message only when needed. */
	if (c->hairpin || c->port_isolation || bridge_vlan_wanted(c)) {
		struct nl_link port;
		int rc = nl_link_get(host, host_name, 0, &port, err);
		if (rc == -ENOENT)
			return cni_err_set(err, CNI_ERR_INTERNAL, "host veth %s vanished",
					   host_name);
		if (rc)
			return -1;
		if ((c->hairpin || c->port_isolation) &&
		    nl_brport_set(host, port.ifindex, c->hairpin, c->port_isolation, host_name,
				  err) < 0)
			return -1;
		/* Before the port goes up, so no frame crosses it on VLAN 1. */
		if (bridge_vlan_wanted(c) &&
		    (bridge_vlan_port(host, c, &port, err) < 0 ||
		     nl_link_set_up(host, port.ifindex, host_name, err) < 0))
			return -1;
	}
	/* Best effort, as the reference: IPv6 may be disabled on the host. */
	sysctl_iface_write("ipv6", host_name, "accept_ra", "0", NULL);
	return 0;
}

int veth_attach_host_end(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
			 const char *host_name, struct nl_link *port, struct cni_err *err)
{
	int rc = nl_link_get(host, host_name, 0, port, err);

	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL, "host veth %s vanished", host_name);
	if (rc)
		return -1;
	if (nl_link_set_master(host, port->ifindex, br->ifindex, host_name, err) < 0)
		return -1;
	/* A new port starts with both flags off: one message only when needed. */
	if ((c->hairpin || c->port_isolation) &&
	    nl_brport_set(host, port->ifindex, c->hairpin, c->port_isolation, host_name, err) < 0)
		return -1;
	/* Before the port goes up, so no frame crosses it on VLAN 1. */
	if (bridge_vlan_port(host, c, port, err) < 0)
		return -1;
	/* Best effort, as the reference: IPv6 may be disabled on the host. */
	sysctl_iface_write("ipv6", host_name, "accept_ra", "0", NULL);
	return nl_link_set_up(host, port->ifindex, host_name, err);
}

static const char *oper_name(int s)
{
	static const char *const names[] = {"unknown", "notpresent", "down", "lowerlayerdown",
					    "testing", "dormant",    "up"};
	return s >= 0 && s <= 6 ? names[s] : "?";
}

/* Once the port forwards. Without STP it does as soon as it is enabled.
 * With STP it sits in listening/learning for 2 x forward_delay; the
 * reference only waits for oper-up there, and so do we. */
static bool forwards(const struct nl_link *l, void *arg)
{
	(void)arg;
	return l->operstate == NL_OPER_UP && l->brport_state >= 0 &&
	       l->brport_state != BR_STATE_DISABLED;
}

/* A GETLINK: 1 forwards, 0 not yet, -1 err. */
static int look(struct nl *host, const char *name, struct nl_link *port, struct cni_err *err)
{
	int rc = nl_link_get(host, name, 0, port, err);

	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL, "host veth %s vanished", name);
	if (rc)
		return -1;
	return forwards(port, NULL);
}

int veth_watch_open(struct nl *watch, struct cni_err *err)
{
	return nl_watch_open(watch, RTNLGRP_LINK, err);
}

/* The kernel enables the port once both veth ends are up, in its linkwatch
 * worker, which then announces the link (RTM_NEWLINK: operstate, bridge
 * port state). watch was subscribed before the container's end went up, so
 * that announcement is in its queue or on its way: reading it takes no
 * lock, where a GETLINK waits for the RTNL lock that the kernel's workers
 * hold right then (new port, the container's IPv6 set-up; with 250 pods on
 * the bridge, a wait of its own). A GETLINK still decides when the kernel
 * dropped notifications or none came for a while, and at the end: 2.5 s,
 * the reference's budget. */
#define FORWARD_LOOK_MS 100
int veth_wait_forwarding(struct nl *host, struct nl *watch, const char *host_name,
			 struct nl_link *port, struct cni_err *err)
{
	int64_t start = util_now_ms(), left;
	int rc;

	/* No watch: the port joined once the container's end was up, and
	 * without STP the join itself made it forward: one look first. */
	if (!watch->mnl) {
		rc = look(host, host_name, port, err);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
		if (veth_watch_open(watch, err) < 0)
			return -1;
	}
	while ((left = start + FORWARD_TIMEOUT_MS - util_now_ms()) > 0) {
		rc = nl_watch_link(watch, host_name,
				   left < FORWARD_LOOK_MS ? (int)left : FORWARD_LOOK_MS, forwards,
				   NULL, port, err);
		if (rc == 1)
			return 0;
		if (rc < 0)
			return -1;
		rc = look(host, host_name, port, err);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	if (look(host, host_name, port, err) != 0)
		return cni_err_isset(err) ? -1 : 0;
	return cni_err_set(
	    err, CNI_ERR_INTERNAL,
	    "bridge port in error state: %s (port %s, bridge state %d, after %lld ms)",
	    oper_name(port->operstate), host_name, port->brport_state,
	    (long long)(util_now_ms() - start));
}
