/* Routes: add (NLM_F_CREATE alone, as upstream v1.9.1's RouteAddEcmp in
 * vishvananda/netlink: a second IPv4 route to the same destination goes
 * before the first, a second IPv6 nexthop joins it as ECMP) and list. */
#include "lib/nl/msg.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

static struct nlmsghdr *route_add_msg(struct nl *nl, char *buf, const struct nl_route *r)
{
	struct nlmsghdr *nlh =
	    nl_msg_start(nl, buf, RTM_NEWROUTE, NLM_F_CREATE, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	int family = r->dst.ip.family, len = cni_ip_len(family);

	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = r->dst.prefix;
	rtm->rtm_table = r->table > 0 && r->table < 256 ? (unsigned char)r->table : RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = (unsigned char)r->scope;
	rtm->rtm_type = RTN_UNICAST;
	if (r->dst.prefix) {
		struct cni_ipnet net = cni_ipnet_network(&r->dst);
		mnl_attr_put(nlh, RTA_DST, len, net.ip.addr);
	}
	if (r->has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, len, r->gw.addr);
	if (r->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (r->priority)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, (uint32_t)r->priority);
	if (r->table >= 256)
		mnl_attr_put_u32(nlh, RTA_TABLE, (uint32_t)r->table);
	return nlh;
}

int nl_route_add(struct nl *nl, const struct nl_route *r, struct cni_err *err)
{
	char buf[NL_REQ_BUF], d[CNI_IPNET_STRLEN], g[CNI_IPNET_STRLEN];
	int rc = nl_talk(nl, route_add_msg(nl, buf, r), NULL, NULL);

	if (rc == -EEXIST)
		return -EEXIST;
	if (rc)
		return nl_fail(err, rc, "failed to add route '%s via %s'",
			       cni_ipnet_format(&r->dst, d),
			       r->has_gw ? cni_ip_format(&r->gw, g) : "(none)");
	return 0;
}

int nl_batch_route_add(struct nl_batch *b, const struct nl_route *r)
{
	char buf[NL_REQ_BUF], d[CNI_IPNET_STRLEN], g[CNI_IPNET_STRLEN], eexist[192];

	cni_ipnet_format(&r->dst, d);
	snprintf(eexist, sizeof(eexist),
		 "failed to add route %s: an identical route already exists", d);
	return nl_batch_push(b, route_add_msg(b->nl, buf, r), eexist,
			     "failed to add route '%s via %s'", d,
			     r->has_gw ? cni_ip_format(&r->gw, g) : "(none)");
}

static int route_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_route *r = data;
	unsigned len = (unsigned)cni_ip_len(r->dst.ip.family);

	switch (mnl_attr_get_type(a)) {
	case RTA_DST:
		if (mnl_attr_get_payload_len(a) == len)
			memcpy(r->dst.ip.addr, mnl_attr_get_payload(a), len);
		break;
	case RTA_GATEWAY:
		if (mnl_attr_get_payload_len(a) == len) {
			r->has_gw = true;
			r->gw.family = r->dst.ip.family;
			memcpy(r->gw.addr, mnl_attr_get_payload(a), len);
		}
		break;
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			r->oif = (int)mnl_attr_get_u32(a);
		break;
	case RTA_PRIORITY:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			r->priority = (int)mnl_attr_get_u32(a);
		break;
	case RTA_TABLE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			r->table = (int)mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int route_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vec *routes = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nl_route r = {0}, *slot;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_type != RTN_UNICAST ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return MNL_CB_OK;
	r.dst.ip.family = rtm->rtm_family;
	r.dst.prefix = rtm->rtm_dst_len;
	r.table = rtm->rtm_table;
	r.scope = rtm->rtm_scope;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, &r);
	slot = vec_push(routes);
	if (!slot)
		return MNL_CB_ERROR;
	*slot = r;
	return MNL_CB_OK;
}

int nl_route_list(struct nl *nl, int family, struct nl_route **out, size_t *n, struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh =
	    nl_msg_start(nl, buf, RTM_GETROUTE, NLM_F_DUMP, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct vec d = VEC_INIT(struct nl_route);
	int rc;

	rtm->rtm_family = (unsigned char)family;
	rc = nl_dump(nl, nlh, route_msg_cb, &d, vec_reset);
	if (rc) {
		free(d.v);
		return nl_fail(err, rc, "cannot list routes");
	}
	*out = d.v;
	*n = d.n;
	return 0;
}
