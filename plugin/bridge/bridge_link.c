/* The bridge itself: ensure it exists and is up, its gateway addresses
 * (which pin its MAC), forwarding. Host netns, main thread. */
#include "plugin/bridge/steps.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "lib/sysctl/sysctl.h"
#include "plugin/bridge/vlan.h"

/* Created as upstream v1.9.1 does (bridge.go:332 ensureBridge): no MAC, so
 * the kernel picks a random one that follows the lowest port MAC until an
 * isGateway ADD pins it (bridge_ensure_addr). EEXIST: a concurrent ADD made
 * it first. Fills *br. */
static int create(struct nl *host, const struct bridge_conf *c, struct nl_link *br,
		  struct cni_err *err)
{
	int rc;

	/* Born filtering, so no ADD ever sees the VLAN bridge without it. */
	rc = nl_bridge_create(host, c->bridge, c->mtu, NULL, bridge_vlan_wanted(c), err);
	if (rc == -EOPNOTSUPP)
		return bridge_vlan_unsupported(c, err);
	if (rc == -1)
		return -1;
	rc = nl_link_get(host, c->bridge, 0, br, err);
	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "bridge %s vanished right after it was created", c->bridge);
	return rc ? -1 : 0;
}

int bridge_ensure(struct nl *host, const struct bridge_conf *c, struct nl_link *br,
		  struct cni_err *err)
{
	char path[64];
	int rc = nl_link_get(host, c->bridge, 0, br, err);

	if (rc == -ENOENT)
		rc = create(host, c, br, err);
	if (rc)
		return -1;
	if (strcmp(br->kind, "bridge"))
		return cni_err_set(
		    err, CNI_ERR_INTERNAL,
		    "failed to create bridge \"%s\": \"%s\" already exists but is not a bridge "
		    "(it is %s%s)",
		    c->bridge, c->bridge, br->kind[0] ? "a " : "a device with no link kind",
		    br->kind);
	if (bridge_vlan_filtering(host, c, br, err) < 0)
		return -1;
	if (c->promisc && !(br->flags & IFF_PROMISC) &&
	    nl_link_set_promisc(host, br->ifindex, c->bridge, err) < 0)
		return -1;
	/* A bridge must not pick up a default route from router adverts.
	 * Best effort, as the reference (IPv6 may be off). The lookup shows
	 * the value: /proc/sys only when it is not already 0. */
	if (br->inet6_accept_ra != 0) {
		snprintf(path, sizeof(path), "ipv6/conf/%s/accept_ra", c->bridge);
		sysctl_ensure(path, "0", NULL);
	}
	if (!(br->flags & IFF_UP) && nl_link_set_up(host, br->ifindex, c->bridge, err) < 0)
		return -1;
	return 0;
}

/* IPv4: any other v4 address conflicts. IPv6: only an overlapping subnet
 * does (the link-local fe80:: address never conflicts). */
static bool conflicts(const struct nl_addr *a, const struct cni_ipnet *gw)
{
	struct cni_ipnet an = a->ipnet;

	if (a->ipnet.ip.family != gw->ip.family)
		return false;
	if (gw->ip.family == AF_INET)
		return true;
	return cni_ipnet_contains(&an, &gw->ip) || cni_ipnet_contains(gw, &a->ipnet.ip);
}

/* The MAC a bridge whose ports all left (00:00:00:00:00:00) is pinned to.
 * Upstream pins the zero MAC (or fails with EINVAL, depending on the
 * kernel); ours pins a locally administered unicast MAC instead, the fix
 * proposed in upstream PR #1265, derived from the bridge's name and
 * ifindex (FNV-1a) rather than random, so that concurrent first ADDs pin
 * the same one. */
static void derived_mac(const struct nl_link *br, uint8_t mac[NL_MAC_LEN])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const char *p = br->name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	for (int i = 0; i < 4; i++)
		h = (h ^ (uint8_t)((unsigned)br->ifindex >> (8 * i))) * 0x100000001b3ULL;
	for (int i = 0; i < NL_MAC_LEN; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
}

/* Upstream v1.9.1 ensureAddr (bridge.go:301) sets the bridge MAC, once it
 * added a gateway address, to the MAC the bridge had when the ADD found it
 * (before its veth joined), which pins it: the kernel then stops following
 * the lowest port MAC. Nothing else touches the MAC of a bridge. */
static int pin_mac(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
		   struct cni_err *err)
{
	static const uint8_t zero[NL_MAC_LEN];
	uint8_t mac[NL_MAC_LEN];

	if (br->mac_len != NL_MAC_LEN)
		return 0;
	memcpy(mac, br->mac, NL_MAC_LEN);
	if (!memcmp(mac, zero, NL_MAC_LEN))
		derived_mac(br, mac);
	return nl_link_set_mac(host, br->ifindex, mac, c->bridge, err);
}

static bool has_addr(const struct bridge_addrs *seen, const struct cni_ipnet *gw)
{
	for (size_t i = 0; i < seen->n; i++)
		if (cni_ip_equal(&seen->v[i].ipnet.ip, &gw->ip) &&
		    seen->v[i].ipnet.prefix == gw->prefix)
			return true;
	return false;
}

static bool has_conflict(const struct bridge_addrs *seen, const struct cni_ipnet *gw)
{
	for (size_t i = 0; i < seen->n; i++)
		if (conflicts(&seen->v[i], gw))
			return true;
	return false;
}

/* Upstream pins after the address is added, so a concurrent ADD that
 * finds the address can read the bridge MAC before the pin (and name a
 * MAC the bridge no longer has). Pinning first, before this ADD's veth
 * joins, closes that: whoever sees the address sees the pin, and every
 * pinner pins the MAC the bridge had before any gateway ADD's port
 * joined, the same one. The value is upstream's; a failed ADD may leave
 * the pin without the address, which the next ADD pins again alike. */
int bridge_pin_before_join(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
			   const struct bridge_gws *gws, struct bridge_addrs *seen,
			   struct cni_err *err)
{
	bool pin = false;

	if (nl_addr_list(host, br->ifindex, AF_UNSPEC, &seen->v, &seen->n, err) < 0)
		return -1;
	/* a conflict without forceAddress fails the ADD later, unpinned */
	for (size_t i = 0; i < gws->n; i++)
		pin |= !has_addr(seen, &gws->v[i]) &&
		       (c->force_address || !has_conflict(seen, &gws->v[i]));
	return pin ? pin_mac(host, c, br, err) : 0;
}

void bridge_addrs_free(struct bridge_addrs *seen)
{
	free(seen->v);
	memset(seen, 0, sizeof(*seen));
}

/* The conflict rules, on a fresh list of the link's addresses. */
static int replace_conflicts(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
			     const struct cni_ipnet *gw, bool *present, struct cni_err *err)
{
	struct bridge_addrs now = {0};
	char want[CNI_IPNET_STRLEN], have[CNI_IPNET_STRLEN];
	int rc = 0;

	if (nl_addr_list(host, br->ifindex, gw->ip.family, &now.v, &now.n, err) < 0)
		return -1;
	*present = has_addr(&now, gw);
	for (size_t i = 0; i < now.n && rc == 0 && !*present; i++) {
		if (!conflicts(&now.v[i], gw))
			continue;
		if (!c->force_address)
			rc = cni_err_set(
			    err, CNI_ERR_INTERNAL,
			    "\"%s\" already has an IP address different from %s (it has %s; "
			    "set forceAddress to replace it)",
			    c->bridge, cni_ipnet_format(gw, want),
			    cni_ipnet_format(&now.v[i].ipnet, have));
		else
			rc = nl_addr_del(host, br->ifindex, &now.v[i].ipnet, c->bridge, err);
	}
	bridge_addrs_free(&now);
	return rc;
}

int bridge_ensure_addr(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
		       const struct cni_ipnet *gw, const struct bridge_addrs *seen, bool pin,
		       struct cni_err *err)
{
	bool present = seen && has_addr(seen, gw);

	/* already there: upstream returns before the MAC too */
	if (present)
		return 0;
	if ((!seen || has_conflict(seen, gw)) &&
	    replace_conflicts(host, c, br, gw, &present, err) < 0)
		return -1;
	if (present)
		return 0;
	if (nl_addr_add(host, br->ifindex, gw, c->bridge, err) == -1)
		return -1; /* -EEXIST: a concurrent ADD added the same gateway */
	return pin ? pin_mac(host, c, br, err) : 0;
}

int bridge_enable_forwarding(int family, struct cni_err *err)
{
	const char *path = family == AF_INET ? "ipv4/ip_forward" : "ipv6/conf/all/forwarding";

	return sysctl_ensure(path, "1", err);
}
