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

/* VLAN settings must reach the port before it goes up. */
static bool has_vlans(const struct bridge_conf *c)
{
	return c->vlan || c->vlan_trunk_given;
}

int veth_random_name(char name[IFNAMSIZ], struct cni_err *err)
{
	uint8_t r[4];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "failed to generate veth name");
	snprintf(name, IFNAMSIZ, "veth%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
	return 0;
}

int veth_create(struct nl *host, const struct netns *ns, const char *ifname,
		const struct bridge_conf *c, const struct nl_link *br, char host_name[IFNAMSIZ],
		struct cni_err *err)
{
	/* The host end is born on the bridge and up: two round trips fewer
	 * than enslaving and raising it afterwards. Up before the container
	 * end is too: IPv6 DAD in the container (enabledad) only runs once
	 * the link has carrier, i.e. both ends are up. */
	struct nl_veth_req req = {
	    .name = ifname,
	    .ns_fd = ns->fd,
	    .peer_name = host_name,
	    .mtu = c->mtu,
	    .mac = c->has_mac ? c->mac : NULL,
	    .master = br->ifindex,
	    .host_up = !has_vlans(c),
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

int veth_config_host_end(struct nl *host, const struct bridge_conf *c, const char *host_name,
			 struct cni_err *err)
{
	/* A new port starts with both flags off: one message only when needed. */
	if (c->hairpin || c->port_isolation || has_vlans(c)) {
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
		if (has_vlans(c) && (bridge_vlan_port(host, c, &port, err) < 0 ||
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

struct port_wait {
	struct nl *host;
	const char *name;
	struct nl_link *now; /* the last look: the caller's */
};

/* An nl_watch_until check: 1 once the port forwards. Without STP it does
 * as soon as it is enabled. With STP it sits in listening/learning for
 * 2 x forward_delay; the reference only waits for oper-up there, and so do
 * we. */
static int port_forwards(void *arg, struct cni_err *err)
{
	struct port_wait *w = arg;
	int rc = nl_link_get(w->host, w->name, 0, w->now, err);

	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL, "host veth %s vanished", w->name);
	if (rc)
		return -1;
	return w->now->operstate == NL_OPER_UP && w->now->brport_state != BR_STATE_DISABLED;
}

/* The kernel enables the port as soon as both veth ends are up; that is
 * usually true on the first look. Otherwise we sleep until the kernel
 * announces a link change (RTM_NEWLINK: operstate, bridge port state),
 * 2.5 s at most, the reference's budget. */
int veth_wait_forwarding(struct nl *host, const char *host_name, struct nl_link *port,
			 struct cni_err *err)
{
	struct port_wait w = {.host = host, .name = host_name, .now = port};
	int64_t start = util_now_ms();
	int rc = nl_watch_until(RTNLGRP_LINK, FORWARD_TIMEOUT_MS, port_forwards, &w, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return cni_err_set(
	    err, CNI_ERR_INTERNAL,
	    "bridge port in error state: %s (port %s, bridge state %d, after %lld ms)",
	    oper_name(port->operstate), host_name, port->brport_state,
	    (long long)(util_now_ms() - start));
}
