/* Bridge VLAN filtering: the bridge's switch and its ports' VLAN tables. */
#include "lib/nl/msg.h" /* first: <net/if.h> must precede the uapi headers */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/if_bridge.h>
#include <linux/rtnetlink.h>

/* IFLA_BRIDGE_VLAN_INFO entries per message: a range takes two, and
 * NL_REQ_BUF has room for well over this many. */
#define VLAN_ATTRS_PER_MSG 96

int nl_bridge_set_vlan_filtering(struct nl *nl, int ifindex, bool on, const char *what,
				 struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh = nl_msg_start(nl, buf, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *info, *data;
	int rc;

	ifi->ifi_index = ifindex;
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, on ? 1 : 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	rc = nl_talk(nl, nlh, NULL, NULL);
	if (rc == -EOPNOTSUPP)
		return rc;
	return rc ? nl_fail(err, rc, "cannot turn VLAN filtering %s on bridge %s",
			    on ? "on" : "off", what)
		  : 0;
}

static void put_info(struct nlmsghdr *nlh, uint16_t flags, uint16_t vid)
{
	struct bridge_vlan_info vi = {.flags = flags, .vid = vid};

	mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
}

/* One message with entries v[0..n). */
static int vlan_msg(struct nl *nl, int ifindex, bool add, const struct nl_vlan *v, size_t n)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh =
	    nl_msg_start(nl, buf, add ? RTM_SETLINK : RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *spec;

	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = ifindex;
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	mnl_attr_put_u16(nlh, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_MASTER);
	for (size_t i = 0; i < n; i++) {
		uint16_t f = v[i].flags;
		if (v[i].vid_end <= v[i].vid) {
			put_info(nlh, f, v[i].vid);
			continue;
		}
		f &= (uint16_t)~BRIDGE_VLAN_INFO_PVID;
		put_info(nlh, f | BRIDGE_VLAN_INFO_RANGE_BEGIN, v[i].vid);
		put_info(nlh, f | BRIDGE_VLAN_INFO_RANGE_END, v[i].vid_end);
	}
	mnl_attr_nest_end(nlh, spec);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_port_vlan_change(struct nl *nl, int ifindex, bool add, const struct nl_vlan *v, size_t n,
			const char *what, struct cni_err *err)
{
	for (size_t i = 0; i < n; i += VLAN_ATTRS_PER_MSG / 2) {
		size_t m = n - i < VLAN_ATTRS_PER_MSG / 2 ? n - i : VLAN_ATTRS_PER_MSG / 2;
		int rc = vlan_msg(nl, ifindex, add, v + i, m);
		if (rc == -EOPNOTSUPP)
			return rc;
		if (rc)
			return nl_fail(err, rc, "failed to %s VLAN %u%s on %s",
				       add ? "add" : "remove", v[i].vid, m > 1 ? " and more" : "",
				       what);
	}
	return 0;
}

struct vlan_dump {
	int ifindex;
	struct vec vec;
	uint16_t range_begin; /* 0 = not inside a range */
};

static int push(struct vlan_dump *d, uint16_t vid, uint16_t flags)
{
	struct nl_vlan *e = vec_push(&d->vec);

	if (!e)
		return MNL_CB_ERROR;
	e->vid = e->vid_end = vid;
	e->flags = flags & (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	return MNL_CB_OK;
}

static int spec_cb(const struct nlattr *a, void *data)
{
	struct vlan_dump *d = data;
	const struct bridge_vlan_info *vi;

	if (mnl_attr_get_type(a) != IFLA_BRIDGE_VLAN_INFO ||
	    mnl_attr_get_payload_len(a) < sizeof(*vi))
		return MNL_CB_OK;
	vi = mnl_attr_get_payload(a);
	if (vi->flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
		d->range_begin = vi->vid;
		return MNL_CB_OK;
	}
	if ((vi->flags & BRIDGE_VLAN_INFO_RANGE_END) && d->range_begin) {
		for (unsigned v = d->range_begin; v <= vi->vid; v++)
			if (push(d, (uint16_t)v, vi->flags) != MNL_CB_OK)
				return MNL_CB_ERROR;
		d->range_begin = 0;
		return MNL_CB_OK;
	}
	return push(d, vi->vid, vi->flags);
}

static int port_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_AF_SPEC && mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		return mnl_attr_parse_nested(a, spec_cb, data);
	return MNL_CB_OK;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vlan_dump *d = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || ifi->ifi_index != d->ifindex)
		return MNL_CB_OK;
	d->range_begin = 0;
	return mnl_attr_parse(nlh, sizeof(*ifi), port_cb, d);
}

static void dump_reset(void *data)
{
	vec_reset(&((struct vlan_dump *)data)->vec);
}

int nl_port_vlan_list(struct nl *nl, int ifindex, struct nl_vlan **out, size_t *n,
		      struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh =
	    nl_msg_start(nl, buf, RTM_GETLINK, NLM_F_DUMP, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct vlan_dump d = {.ifindex = ifindex, .vec = VEC_INIT(struct nl_vlan)};
	int rc;

	/* Compressed: ranges come as begin/end pairs, so a port with a
	 * 4094-VID trunk fits one small message. */
	ifi->ifi_family = AF_BRIDGE;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN_COMPRESSED);
	rc = nl_dump(nl, nlh, dump_cb, &d, dump_reset);
	if (rc) {
		vec_free(&d.vec);
		return nl_fail(err, rc, "cannot list the VLANs of port %d", ifindex);
	}
	*out = d.vec.v;
	*n = d.vec.n;
	return 0;
}
