/* CHECK inside CNI_NETNS: the container interface, its addresses and the
 * routes prevResult promises. Errors say what differs. */
#include "plugin/bridge/steps.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

static int check_link(struct nl *nl, struct ctr_check *c, struct nl_link *l, struct cni_err *err)
{
	char have[18];
	uint8_t want[NL_MAC_LEN];
	int rc = ctr_open_link(nl, c->ifname, l, err);

	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "CNI created interface in container %s not found", c->ifname);
	if (rc)
		return -1;
	if (strcmp(l->kind, "veth"))
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "container interface %s is a %s, not a veth", c->ifname,
				   l->kind[0] ? l->kind : "device without kind");
	nl_mac_format(l->mac, l->mac_len, have);
	if (c->mac && (bridge_mac_parse(c->mac, want) < 0 || memcmp(want, l->mac, NL_MAC_LEN)))
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "interface %s MAC %s does not match the MAC in prevResult (%s)",
				   c->ifname, have, c->mac);
	c->peer_ifindex = l->peer_ifindex;
	return 0;
}

static bool ip_points_here(const struct ctr_check *c, const struct cni_ipconf *ip)
{
	return ip->iface == c->iface || ip->iface < 0;
}

static int check_addrs(struct nl *nl, const struct ctr_check *c, int ifindex, struct cni_err *err)
{
	struct nl_addr *a = NULL;
	size_t n = 0;
	int rc = 0;

	if (nl_addr_list(nl, ifindex, AF_UNSPEC, &a, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < c->prev->n_ips && rc == 0; i++) {
		const struct cni_ipconf *ip = &c->prev->ips[i];
		bool found = false;
		if (!ip_points_here(c, ip))
			continue;
		for (size_t j = 0; j < n && !found; j++)
			found = cni_ip_equal(&a[j].ipnet.ip, &ip->address.ip) &&
				a[j].ipnet.prefix == ip->address.prefix;
		if (!found) {
			char s[CNI_IPNET_STRLEN];
			rc = cni_err_set(err, CNI_ERR_INTERNAL,
					 "address %s from prevResult is not on interface %s",
					 cni_ipnet_format(&ip->address, s), c->ifname);
		}
	}
	free(a);
	return rc;
}

static bool route_present(const struct nl_route *v, size_t n, const struct cni_ipnet *dst,
			  const struct cni_ip *gw, int table)
{
	struct cni_ipnet want = cni_ipnet_network(dst);

	for (size_t i = 0; i < n; i++) {
		struct cni_ipnet have = cni_ipnet_network(&v[i].dst);
		if (have.prefix != want.prefix || !cni_ip_equal(&have.ip, &want.ip) ||
		    v[i].table != table)
			continue;
		if (!gw || (v[i].has_gw && cni_ip_equal(&v[i].gw, gw)))
			return true;
	}
	return false;
}

static int route_missing(const struct cni_ipnet *dst, const struct cni_ip *gw, struct cni_err *err)
{
	char d[CNI_IPNET_STRLEN], g[CNI_IPNET_STRLEN];

	return cni_err_set(
	    err, CNI_ERR_INTERNAL, "route %s%s%s from prevResult is missing in the container",
	    cni_ipnet_format(dst, d), gw ? " via " : "", gw ? cni_ip_format(gw, g) : "");
}

static int check_routes(struct nl *nl, const struct ctr_check *c, struct cni_err *err)
{
	struct nl_route *v = NULL;
	size_t n = 0;
	int rc = 0;

	if (nl_route_list(nl, AF_UNSPEC, &v, &n, err) < 0)
		return -1;
	/* The kernel's prefix route of each address. */
	for (size_t i = 0; i < c->prev->n_ips && rc == 0; i++) {
		const struct cni_ipconf *ip = &c->prev->ips[i];
		if (ip_points_here(c, ip) &&
		    !route_present(v, n, &ip->address, NULL, RT_TABLE_MAIN))
			rc = route_missing(&ip->address, NULL, err);
	}
	for (size_t i = 0; i < c->prev->n_routes && rc == 0; i++) {
		const struct cni_route *r = &c->prev->routes[i];
		const struct cni_ip *gw = r->has_gw ? &r->gw : NULL;
		if (!route_present(v, n, &r->dst, gw, r->has_table ? r->table : RT_TABLE_MAIN))
			rc = route_missing(&r->dst, gw, err);
	}
	free(v);
	return rc;
}

static int check_in_ns(void *arg, struct cni_err *err)
{
	struct ctr_check *c = arg;
	cleanup_nl struct nl nl = {0};
	struct nl_link l;

	if (check_link(&nl, c, &l, err) < 0)
		return -1;
	if (check_addrs(&nl, c, l.ifindex, err) < 0)
		return -1;
	return check_routes(&nl, c, err);
}

int ctr_check(const struct netns *ns, struct ctr_check *c, struct cni_err *err)
{
	return netns_run(ns, check_in_ns, c, err);
}
