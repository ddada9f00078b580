/* Links: look up, create bridge and veth, change flags/master/MAC, delete. */
#include "lib/nl/msg.h" /* first: <net/if.h> must precede the uapi headers */
#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/if_bridge.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

static struct ifinfomsg *ifi_of(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

static int brport_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_BRPORT_STATE:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			l->brport_state = mnl_attr_get_u8(a);
		break;
	case IFLA_BRPORT_MODE:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			l->brport_mode = mnl_attr_get_u8(a);
		break;
	case IFLA_BRPORT_ISOLATED:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			l->brport_isolated = mnl_attr_get_u8(a);
		break;
	}
	return MNL_CB_OK;
}

static int brinfo_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_BR_VLAN_FILTERING &&
	    mnl_attr_validate(a, MNL_TYPE_U8) == 0)
		l->vlan_filtering = (int8_t)mnl_attr_get_u8(a);
	return MNL_CB_OK;
}

static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
		snprintf(dst, len, "%.*s",
			 (int)strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a)),
			 (const char *)mnl_attr_get_payload(a));
}

static int linkinfo_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_INFO_KIND:
		copy_str(l->kind, sizeof(l->kind), a);
		break;
	case IFLA_INFO_SLAVE_KIND:
		copy_str(l->slave_kind, sizeof(l->slave_kind), a);
		break;
	case IFLA_INFO_SLAVE_DATA:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(a, brport_cb, l);
		break;
	case IFLA_INFO_DATA: /* the kernel puts IFLA_INFO_KIND first */
		if (!strcmp(l->kind, "bridge") && mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(a, brinfo_cb, l);
		break;
	}
	return MNL_CB_OK;
}

/* IFLA_INET6_CONF: an array of s32 indexed by DEVCONF_*. */
static int32_t devconf(const struct nlattr *conf, unsigned idx)
{
	int32_t v;

	if (mnl_attr_get_payload_len(conf) < (idx + 1) * sizeof(v))
		return -1;
	memcpy(&v, (const char *)mnl_attr_get_payload(conf) + idx * sizeof(v), sizeof(v));
	return v;
}

static int inet6_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_INET6_CONF) {
		l->inet6_disable_ipv6 = devconf(a, DEVCONF_DISABLE_IPV6);
		l->inet6_accept_ra = devconf(a, DEVCONF_ACCEPT_RA);
		l->inet6_addr_gen_mode = devconf(a, DEVCONF_ADDR_GEN_MODE);
	}
	return MNL_CB_OK;
}

static int af_spec_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == AF_INET6 && mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		mnl_attr_parse_nested(a, inet6_cb, data);
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		copy_str(l->name, sizeof(l->name), a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) <= sizeof(l->mac)) {
			l->mac_len = mnl_attr_get_payload_len(a);
			memcpy(l->mac, mnl_attr_get_payload(a), l->mac_len);
		}
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->peer_ifindex = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_OPERSTATE:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			l->operstate = mnl_attr_get_u8(a);
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(a, linkinfo_cb, l);
		break;
	case IFLA_AF_SPEC:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(a, af_spec_cb, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_link *l = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(l, 0, sizeof(*l));
	l->brport_state = -1;
	l->vlan_filtering = -1;
	l->inet6_disable_ipv6 = l->inet6_accept_ra = l->inet6_addr_gen_mode = -1;
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	return mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
}

struct link_scan {
	const char *name;
	bool (*ok)(const struct nl_link *l, void *arg);
	void *arg;
	struct nl_link *out;
};

/* One notification: an AF_UNSPEC RTM_NEWLINK about name that satisfies ok
 * goes to *out (the last such one wins). */
static bool scan_link(const struct nlmsghdr *nlh, void *arg)
{
	struct link_scan *s = arg;
	struct nl_link l = {.ifindex = 0};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*ifi) ||
	    ifi->ifi_family != AF_UNSPEC)
		return false;
	if (link_msg_cb(nlh, &l) != MNL_CB_OK || strcmp(l.name, s->name) != 0 || !s->ok(&l, s->arg))
		return false;
	*s->out = l;
	return true;
}

int nl_watch_link(struct nl *watch, const char *name, int timeout_ms,
		  bool (*ok)(const struct nl_link *l, void *arg), void *arg, struct nl_link *out,
		  struct cni_err *err)
{
	struct link_scan s = {.name = name, .ok = ok, .arg = arg, .out = out};

	return nl_watch_scan(watch, timeout_ms, scan_link, &s, "link notifications", err);
}

int nl_link_get(struct nl *nl, const char *name, int ifindex, struct nl_link *out,
		struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh = nl_msg_start(nl, buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	int rc;

	ifi_of(nlh)->ifi_index = ifindex;
	if (!ifindex)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	out->ifindex = 0;
	rc = nl_get(nl, nlh, link_msg_cb, out);
	if (rc == -ENODEV || rc == -ENOENT)
		return -ENOENT;
	if (rc == 0 && out->ifindex == 0)
		return -ENOENT;
	if (rc)
		return ifindex ? nl_fail(err, rc, "cannot look up link %d", ifindex)
			       : nl_fail(err, rc, "cannot look up link %s", name);
	return 0;
}

int nl_bridge_create(struct nl *nl, const char *name, unsigned mtu, const uint8_t *mac,
		     bool vlan_filtering, struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh =
	    nl_msg_start(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	struct nlattr *info, *data;
	int rc;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, NL_MAC_LEN, mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	if (vlan_filtering) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, 1);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	rc = nl_talk(nl, nlh, NULL, NULL);
	if (rc == -EEXIST || (vlan_filtering && rc == -EOPNOTSUPP))
		return rc;
	if (rc)
		return nl_fail(err, rc, "cannot create bridge %s", name);
	return 0;
}

int nl_veth_create(struct nl *nl, const struct nl_veth_req *req, struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh =
	    nl_msg_start(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *pifi;
	int rc;

	/* The host end is the link being created, so master and up apply to
	 * it in this same message (the kernel brings it up, then enslaves
	 * it; a failure there unregisters the pair); the container end is
	 * the peer, placed into its netns by the IFLA_NET_NS_FD of its nest. */
	if (req->host_up) {
		ifi_of(nlh)->ifi_flags = IFF_UP;
		ifi_of(nlh)->ifi_change = IFF_UP;
	}
	mnl_attr_put_strz(nlh, IFLA_IFNAME, req->peer_name);
	/* No IFLA_TXQLEN: the kernel's default (1000) on both ends, as the
	 * current reference. Plugins up to v1.5 sent the zero of Go's
	 * LinkAttrs.TxQLen by accident, which leaves a qdisc attached later
	 * (bandwidth shaping, tc) with a zero default queue; upstream PR #1100
	 * (v1.6.0) fixed that. */
	if (req->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, req->mtu);
	if (req->master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)req->master);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's ifinfomsg precedes its attributes inside the nest. */
	pifi = mnl_nlmsg_get_payload_tail(nlh);
	memset(pifi, 0, sizeof(*pifi));
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, req->name);
	if (req->ns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)req->ns_fd);
	if (req->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, req->mtu);
	if (req->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, NL_MAC_LEN, req->mac);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	rc = nl_talk(nl, nlh, NULL, NULL);
	if (rc == -EEXIST)
		return -EEXIST;
	if (rc)
		return nl_fail(err, rc, "failed to make veth pair %s/%s", req->name,
			       req->peer_name);
	return 0;
}

static struct nlmsghdr *link_change_msg(struct nl *nl, char *buf, int ifindex, unsigned flag)
{
	struct nlmsghdr *nlh = nl_msg_start(nl, buf, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = ifi_of(nlh);

	ifi->ifi_index = ifindex;
	ifi->ifi_change = flag;
	ifi->ifi_flags = flag;
	return nlh;
}

static int link_change(struct nl *nl, int ifindex, unsigned flag, const char *what,
		       const char *doing, struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	int rc = nl_talk(nl, link_change_msg(nl, buf, ifindex, flag), NULL, NULL);

	return rc ? nl_fail(err, rc, "cannot %s %s", doing, what) : 0;
}

int nl_link_set_up(struct nl *nl, int ifindex, const char *what, struct cni_err *err)
{
	return link_change(nl, ifindex, IFF_UP, what, "set up", err);
}

int nl_batch_link_up(struct nl_batch *b, int ifindex, const char *what)
{
	char buf[NL_REQ_BUF];

	return nl_batch_push(b, link_change_msg(b->nl, buf, ifindex, IFF_UP), NULL,
			     "cannot set up %s", what);
}

int nl_batch_link_up_arp_notify(struct nl_batch *b, int ifindex, const char *what)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh = link_change_msg(b->nl, buf, ifindex, IFF_UP);
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *inet = mnl_attr_nest_start(nlh, AF_INET);
	struct nlattr *conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);

	/* attribute types are the 1-based IPV4_DEVCONF_* indexes */
	mnl_attr_put_u32(nlh, IPV4_DEVCONF_ARP_NOTIFY, 1);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, inet);
	mnl_attr_nest_end(nlh, spec);
	return nl_batch_push(b, nlh, NULL, "cannot set up %s (with arp_notify)", what);
}

int nl_link_set_promisc(struct nl *nl, int ifindex, const char *what, struct cni_err *err)
{
	return link_change(nl, ifindex, IFF_PROMISC, what, "set promiscuous mode on", err);
}

/* By index, or by name (index 0): RTM_NEWLINK finds an existing link by
 * IFLA_IFNAME when no index is given. */
static int set_master(struct nl *nl, int ifindex, const char *name, int master, const char *what,
		      struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh = nl_msg_start(nl, buf, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	int rc;

	ifi_of(nlh)->ifi_index = ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	rc = nl_talk(nl, nlh, NULL, NULL);
	if (name && (rc == -ENODEV || rc == -ENOENT))
		return -ENOENT;
	return rc ? nl_fail(err, rc, "failed to connect %s to bridge", what) : 0;
}

int nl_link_set_master(struct nl *nl, int ifindex, int master, const char *what,
		       struct cni_err *err)
{
	return set_master(nl, ifindex, NULL, master, what, err);
}

int nl_link_set_master_by_name(struct nl *nl, const char *name, int master, struct cni_err *err)
{
	return set_master(nl, 0, name, master, name, err);
}

int nl_link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[NL_MAC_LEN], const char *what,
		    struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh = nl_msg_start(nl, buf, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	int rc;

	ifi_of(nlh)->ifi_index = ifindex;
	mnl_attr_put(nlh, IFLA_ADDRESS, NL_MAC_LEN, mac);
	rc = nl_talk(nl, nlh, NULL, NULL);
	return rc ? nl_fail(err, rc, "cannot set the MAC address of %s", what) : 0;
}

int nl_link_set_oper_up(struct nl *nl, int ifindex, const char *what, struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh = nl_msg_start(nl, buf, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	int rc;

	ifi_of(nlh)->ifi_index = ifindex;
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, NL_OPER_UP);
	rc = nl_talk(nl, nlh, NULL, NULL);
	return rc ? nl_fail(err, rc, "cannot set the operstate of %s", what) : 0;
}

int nl_brport_set(struct nl *nl, int ifindex, bool hairpin, bool isolated, const char *what,
		  struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh = nl_msg_start(nl, buf, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	struct nlattr *info, *data;
	int rc;

	ifi_of(nlh)->ifi_index = ifindex;
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	data = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, hairpin ? 1 : 0);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, isolated ? 1 : 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	rc = nl_talk(nl, nlh, NULL, NULL);
	return rc ? nl_fail(err, rc, "failed to set hairpin=%d isolated=%d on port %s", hairpin,
			    isolated, what)
		  : 0;
}

int nl_link_del(struct nl *nl, int ifindex, const char *what, struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh = nl_msg_start(nl, buf, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	int rc;

	ifi_of(nlh)->ifi_index = ifindex;
	rc = nl_talk(nl, nlh, NULL, NULL);
	if (rc == -ENODEV || rc == -ENOENT)
		return -ENOENT;
	return rc ? nl_fail(err, rc, "failed to delete %s", what) : 0;
}
