/* calcGateways: which gateway each IP gets, which default routes are added
 * and which addresses go on the bridge. */
#include "plugin/bridge/steps.h"
#include <string.h>

static bool is_default(const struct cni_ipnet *n)
{
	return n->prefix == 0;
}

/* IPAM already routes the default of this family through a gateway. */
static bool has_default_with_gw(const struct cni_result *r, int family)
{
	for (size_t i = 0; i < r->n_routes; i++)
		if (r->routes[i].dst.ip.family == family && is_default(&r->routes[i].dst) &&
		    r->routes[i].has_gw)
			return true;
	return false;
}

static void gws_add(struct bridge_gws *gws, const struct cni_ipnet *gw)
{
	for (size_t i = 0; i < gws->n; i++)
		if (cni_ip_equal(&gws->v[i].ip, &gw->ip) && gws->v[i].prefix == gw->prefix)
			return;
	if (gws->n < BRIDGE_MAX_GWS)
		gws->v[gws->n++] = *gw;
}

static int add_default_route(struct cni_result *r, const struct cni_ip *gw, struct cni_err *err)
{
	struct cni_route rt = {0};

	rt.dst.ip.family = gw->family;
	rt.has_gw = true;
	rt.gw = *gw;
	return cni_result_add_route(r, &rt, err) < 0 ? -1 : 0;
}

int bridge_calc_gateways(const struct bridge_conf *c, struct cni_result *ipam, int iface,
			 struct bridge_gws *gws, struct cni_err *err)
{
	bool default_done[2] = {false, false};

	gws->n = 0;
	for (size_t i = 0; i < ipam->n_ips; i++) {
		struct cni_ipconf *ip = &ipam->ips[i];
		int fam = ip->address.ip.family, f = fam == AF_INET6;
		ip->iface = iface;
		if (!ip->has_gateway && c->is_gw) {
			struct cni_ipnet net = cni_ipnet_network(&ip->address);
			ip->gateway = net.ip;
			for (int b = cni_ip_len(fam) - 1; b >= 0 && ++ip->gateway.addr[b] == 0; b--)
				; /* network + 1, with carry */
			ip->has_gateway = true;
		}
		if (c->is_default_gw && ip->has_gateway && !default_done[f]) {
			if (!has_default_with_gw(ipam, fam) &&
			    add_default_route(ipam, &ip->gateway, err) < 0)
				return -1;
			default_done[f] = true;
		}
		if (c->is_gw && ip->has_gateway) {
			struct cni_ipnet gw = {.ip = ip->gateway, .prefix = ip->address.prefix};
			gws_add(gws, &gw);
		}
	}
	return 0;
}
