/* The bridge itself: ensure it exists and is up, its gateway addresses
 * (which pin its MAC), forwarding. Host netns, main thread. */
#include "plugin/bridge/steps.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
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
	 * Best effort, as the reference (IPv6 may be off). */
	snprintf(path, sizeof(path), "ipv6/conf/%s/accept_ra", c->bridge);
	sysctl_ensure(path, "0", NULL);
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

/* Upstream v1.9.1 ensureAddr (bridge.go:301): after adding a gateway
 * address, set the bridge MAC to the one it had when the ADD found it
 * (before this ADD's veth joined), which pins it: the kernel then stops
 * following the lowest port MAC. Nothing else touches the MAC of a bridge.
 * One deliberate difference: a bridge whose ports all left has the MAC
 * 00:00:00:00:00:00; upstream pins that (or fails with EINVAL, depending on
 * the kernel), ours pins a random locally administered MAC instead, the
 * fix proposed in upstream PR #1265. */
static int pin_mac(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
		   struct cni_err *err)
{
	static const uint8_t zero[NL_MAC_LEN];
	uint8_t mac[NL_MAC_LEN];

	if (br->mac_len != NL_MAC_LEN)
		return 0;
	memcpy(mac, br->mac, NL_MAC_LEN);
	if (!memcmp(mac, zero, NL_MAC_LEN)) {
		if (getrandom(mac, sizeof(mac), 0) != sizeof(mac))
			return cni_err_errno(err, CNI_ERR_INTERNAL, errno,
					     "cannot pick a bridge MAC");
		mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
	}
	return nl_link_set_mac(host, br->ifindex, mac, c->bridge, err);
}

int bridge_ensure_addr(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
		       const struct cni_ipnet *gw, struct cni_err *err)
{
	struct nl_addr *addrs = NULL;
	char want[CNI_IPNET_STRLEN];
	size_t n = 0;
	int rc = 0;

	cni_ipnet_format(gw, want);
	if (nl_addr_list(host, br->ifindex, gw->ip.family, &addrs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct nl_addr *a = &addrs[i];
		if (cni_ip_equal(&a->ipnet.ip, &gw->ip) && a->ipnet.prefix == gw->prefix)
			goto out; /* already there: upstream returns before the MAC too */
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!conflicts(&addrs[i], gw))
			continue;
		if (!c->force_address) {
			char have[CNI_IPNET_STRLEN];
			rc = cni_err_set(
			    err, CNI_ERR_INTERNAL,
			    "\"%s\" already has an IP address different from %s (it has %s; "
			    "set forceAddress to replace it)",
			    c->bridge, want, cni_ipnet_format(&addrs[i].ipnet, have));
		} else {
			rc = nl_addr_del(host, br->ifindex, &addrs[i].ipnet, c->bridge, err);
		}
	}
	if (rc == 0 && nl_addr_add(host, br->ifindex, gw, c->bridge, err) == -1)
		rc = -1; /* -EEXIST: a concurrent ADD added the same gateway */
	if (rc == 0)
		rc = pin_mac(host, c, br, err);
out:
	free(addrs);
	return rc;
}

int bridge_enable_forwarding(int family, struct cni_err *err)
{
	const char *path = family == AF_INET ? "ipv4/ip_forward" : "ipv6/conf/all/forwarding";

	return sysctl_ensure(path, "1", err);
}
