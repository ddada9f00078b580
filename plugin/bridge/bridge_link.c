/* The bridge itself: ensure it exists and is up, its gateway addresses,
 * forwarding, and a pinned MAC. Host netns, main thread. */
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

/* Born with an explicit MAC, the bridge never follows its ports' MACs, so
 * racing ADDs all report the same one. EEXIST: a concurrent ADD made it
 * first; that one is ours too. Fills *br. */
static int create(struct nl *host, const struct bridge_conf *c, struct nl_link *br,
		  struct cni_err *err)
{
	uint8_t mac[NL_MAC_LEN];
	int rc;

	if (getrandom(mac, sizeof(mac), 0) != sizeof(mac))
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "cannot pick a bridge MAC");
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
	/* Born filtering, so no ADD ever sees the VLAN bridge without it. */
	rc = nl_bridge_create(host, c->bridge, c->mtu, mac, bridge_vlan_wanted(c), err);
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
			goto out; /* already there */
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
out:
	free(addrs);
	return rc;
}

int bridge_enable_forwarding(int family, struct cni_err *err)
{
	const char *path = family == AF_INET ? "ipv4/ip_forward" : "ipv6/conf/all/forwarding";

	return sysctl_ensure(path, "1", err);
}

/* The kernel reports how a link got its MAC; 3 (NET_ADDR_SET) once one
 * was set explicitly: we created the bridge with one, or an earlier ADD
 * (ours or the reference's) pinned it. Setting it again each ADD is not
 * free: every NETDEV_CHANGEADDR flushes the bridge's neighbour entries,
 * one per pod the host talked to. false when unknown (no sysfs). */
static bool mac_pinned(const char *name)
{
	char path[64], v[4] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/addr_assign_type", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, v, sizeof(v) - 1);
	close(fd);
	return n > 0 && v[0] == '3' && (v[1] == '\n' || v[1] == '\0');
}

int bridge_pin_mac(struct nl *host, struct nl_link *br, struct cni_err *err)
{
	static const uint8_t zero[NL_MAC_LEN];
	char name[IFNAMSIZ];
	int rc;

	snprintf(name, sizeof(name), "%s", br->name);
	if (mac_pinned(name))
		return 0; /* the MAC read before the port joined still holds */
	rc = nl_link_get(host, NULL, br->ifindex, br, err);
	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL, "bridge %s disappeared", name);
	if (rc)
		return -1;
	/* A bridge without ports reports 00:00:..; setting that fails. */
	if (br->mac_len != NL_MAC_LEN || !memcmp(br->mac, zero, NL_MAC_LEN))
		return 0;
	return nl_link_set_mac(host, br->ifindex, br->mac, name, err);
}
