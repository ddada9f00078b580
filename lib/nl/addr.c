/* Interface addresses: list (with flags such as tentative/dadfailed), add,
 * delete. */
#include "lib/nl/msg.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

struct addr_dump {
	int ifindex;
	struct vec vec; /* of struct nl_addr */
};

struct addr_attrs {
	const struct nlattr *local, *address, *flags;
};

static int addr_attr_cb(const struct nlattr *a, void *data)
{
	struct addr_attrs *t = data;

	switch (mnl_attr_get_type(a)) {
	case IFA_LOCAL:
		t->local = a;
		break;
	case IFA_ADDRESS:
		t->address = a;
		break;
	case IFA_FLAGS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			t->flags = a;
		break;
	}
	return MNL_CB_OK;
}

/* An RTM_NEWADDR about ifindex into *a; false for any other message. */
static bool addr_parse(const struct nlmsghdr *nlh, int ifindex, struct nl_addr *a)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_attrs t = {0};
	const struct nlattr *ip;
	int len = ifa->ifa_family == AF_INET ? 4 : 16;

	if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*ifa) ||
	    (int)ifa->ifa_index != ifindex)
		return false;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, &t);
	/* IPv4 keeps the address in IFA_LOCAL (IFA_ADDRESS is the peer). */
	ip = t.local ? t.local : t.address;
	if (!ip || mnl_attr_get_payload_len(ip) != (unsigned)len)
		return false;
	memset(a, 0, sizeof(*a));
	a->ipnet.ip.family = ifa->ifa_family;
	memcpy(a->ipnet.ip.addr, mnl_attr_get_payload(ip), len);
	a->ipnet.prefix = ifa->ifa_prefixlen;
	a->scope = ifa->ifa_scope;
	a->flags = t.flags ? mnl_attr_get_u32(t.flags) : ifa->ifa_flags;
	return true;
}

static int addr_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_dump *d = data;
	struct nl_addr a, *slot;

	if (!addr_parse(nlh, d->ifindex, &a))
		return MNL_CB_OK;
	slot = vec_push(&d->vec);
	if (!slot)
		return MNL_CB_ERROR;
	*slot = a;
	return MNL_CB_OK;
}

struct addr_scan {
	int ifindex;
	bool (*ok)(const struct nl_addr *a, void *arg);
	void *arg;
};

static bool scan_addr(const struct nlmsghdr *nlh, void *arg)
{
	struct addr_scan *s = arg;
	struct nl_addr a;

	return addr_parse(nlh, s->ifindex, &a) && s->ok(&a, s->arg);
}

int nl_watch_addr(struct nl *watch, int ifindex, int timeout_ms,
		  bool (*ok)(const struct nl_addr *a, void *arg), void *arg, struct cni_err *err)
{
	struct addr_scan s = {.ifindex = ifindex, .ok = ok, .arg = arg};

	return nl_watch_scan(watch, timeout_ms, scan_addr, &s, "address notifications", err);
}

static void addr_reset(void *data)
{
	struct addr_dump *d = data;

	vec_reset(&d->vec);
}

int nl_addr_list(struct nl *nl, int ifindex, int family, struct nl_addr **out, size_t *n,
		 struct cni_err *err)
{
	char buf[NL_REQ_BUF];
	struct nlmsghdr *nlh =
	    nl_msg_start(nl, buf, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_dump d = {.ifindex = ifindex, .vec = VEC_INIT(struct nl_addr)};
	int rc;

	ifa->ifa_family = (unsigned char)family;
	ifa->ifa_index = (unsigned)ifindex; /* a filter with NETLINK_GET_STRICT_CHK */
	rc = nl_dump(nl, nlh, addr_msg_cb, &d, addr_reset);
	if (rc) {
		vec_free(&d.vec);
		return nl_fail(err, rc, "cannot list the addresses of link %d", ifindex);
	}
	*out = d.vec.v;
	*n = d.vec.n;
	return 0;
}

static struct nlmsghdr *addr_msg(struct nl *nl, char *buf, int type, int flags, int ifindex,
				 const struct cni_ipnet *a)
{
	struct nlmsghdr *nlh = nl_msg_start(nl, buf, type, flags, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	int len = cni_ip_len(a->ip.family);

	ifa->ifa_family = (unsigned char)a->ip.family;
	ifa->ifa_prefixlen = a->prefix;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->ip.addr);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->ip.addr);
	return nlh;
}

/* RTM_NEWADDR as `ip addr add` and Go's netlink.AddrAdd send it: IPv4 gets
 * the subnet broadcast address (none for /31 and /32). */
static struct nlmsghdr *addr_add_msg(struct nl *nl, char *buf, int ifindex,
				     const struct cni_ipnet *a)
{
	struct nlmsghdr *nlh =
	    addr_msg(nl, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, a);

	if (a->ip.family == AF_INET && a->prefix < 31) {
		uint8_t brd[4];
		for (int i = 0; i < 4; i++) {
			int bits = a->prefix - i * 8;
			uint8_t mask = bits >= 8   ? 0xff
				       : bits <= 0 ? 0
						   : (uint8_t)(0xff << (8 - bits));
			brd[i] = a->ip.addr[i] | (uint8_t)~mask;
		}
		mnl_attr_put(nlh, IFA_BROADCAST, 4, brd);
	}
	return nlh;
}

int nl_addr_add(struct nl *nl, int ifindex, const struct cni_ipnet *a, const char *what,
		struct cni_err *err)
{
	char buf[NL_REQ_BUF], s[CNI_IPNET_STRLEN];
	int rc = nl_talk(nl, addr_add_msg(nl, buf, ifindex, a), NULL, NULL);

	if (rc == -EEXIST)
		return -EEXIST;
	return rc ? nl_fail(err, rc, "failed to add IP addr %s to %s", cni_ipnet_format(a, s), what)
		  : 0;
}

int nl_batch_addr_add(struct nl_batch *b, int ifindex, const struct cni_ipnet *a, const char *what)
{
	char buf[NL_REQ_BUF], s[CNI_IPNET_STRLEN], eexist[192];

	cni_ipnet_format(a, s);
	snprintf(eexist, sizeof(eexist), "failed to add IP addr %s to %s: address already present",
		 s, what);
	return nl_batch_push(b, addr_add_msg(b->nl, buf, ifindex, a), eexist,
			     "failed to add IP addr %s to %s", s, what);
}

int nl_addr_del(struct nl *nl, int ifindex, const struct cni_ipnet *a, const char *what,
		struct cni_err *err)
{
	char buf[NL_REQ_BUF], s[CNI_IPNET_STRLEN];
	struct nlmsghdr *nlh = addr_msg(nl, buf, RTM_DELADDR, 0, ifindex, a);
	int rc = nl_talk(nl, nlh, NULL, NULL);

	return rc ? nl_fail(err, rc, "failed to remove IP addr %s from %s", cni_ipnet_format(a, s),
			    what)
		  : 0;
}
