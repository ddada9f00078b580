/* Waiting for IPv6 DAD in the container (a netns_run worker), as upstream
 * v1.9.1 ConfigureIface and SettleAddresses decide, without their 50 ms
 * poll. */
#include "plugin/bridge/steps.h"
#include <errno.h>
#include <stdlib.h>
#include <linux/if_addr.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

/* Upstream keeps the first IP gateway that is not IPv4 as v6gw and waits
 * only when there is one: an IPv6 address without a gateway is not
 * waited for. */
bool ctr_settle_needed(const struct cni_result *ipam)
{
	for (size_t i = 0; i < ipam->n_ips; i++)
		if (ipam->ips[i].has_gateway && ipam->ips[i].gateway.family == AF_INET6)
			return true;
	return false;
}

/* One look at the link's IPv6 addresses: 1 while any is still tentative,
 * 0 when all have passed DAD, -1 when one failed it (or the dump did). */
static int v6_tentative(struct nl *nl, int ifindex, const char *ifname, struct cni_err *err)
{
	struct nl_addr *a = NULL;
	size_t n = 0;
	int tentative = 0;

	if (nl_addr_list(nl, ifindex, AF_INET6, &a, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (a[i].flags & IFA_F_DADFAILED) {
			char s[CNI_IPNET_STRLEN];
			cni_err_set(err, CNI_ERR_INTERNAL,
				    "link %s has address %s in DADFAILED state (duplicate address)",
				    ifname, cni_ipnet_format(&a[i].ipnet, s));
			free(a);
			return -1;
		}
		tentative |= (a[i].flags & IFA_F_TENTATIVE) != 0;
	}
	free(a);
	return tentative;
}

/* The deadline passed with addresses still tentative. A link that is not
 * oper-up (no carrier: its peer is down) never finishes DAD, so upstream
 * (since v1.9.0) lets it pass; an up link is an error. */
static int at_deadline(struct nl *nl, int ifindex, const char *ifname, int timeout_ms,
		       struct cni_err *err)
{
	struct nl_link l;
	int rc = nl_link_get(nl, NULL, ifindex, &l, err);

	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL, "failed to retrieve link %s: gone",
				   ifname);
	if (rc)
		return -1;
	if (l.operstate != IF_OPER_UP)
		return 0;
	if (timeout_ms % 1000)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "link %s still has tentative IPv6 addresses after %d ms", ifname,
				   timeout_ms);
	return cni_err_set(err, CNI_ERR_INTERNAL,
			   "link %s still has tentative IPv6 addresses after %d s", ifname,
			   timeout_ms / 1000);
}

struct settle {
	struct nl *nl;
	int ifindex;
	const char *ifname;
};

/* An nl_watch_until check: 1 once no IPv6 address is tentative. */
static int settled(void *arg, struct cni_err *err)
{
	struct settle *s = arg;
	int rc = v6_tentative(s->nl, s->ifindex, s->ifname, err);

	return rc < 0 ? -1 : !rc;
}

/* The kernel announces the end of DAD (passed or failed) as an
 * RTM_NEWADDR, so we sleep until one comes instead of polling on a timer;
 * any notification only triggers a fresh dump, which stays the one source
 * of truth (nl_watch_until). */
int ctr_settle_addresses(struct nl *nl, int ifindex, const char *ifname, int timeout_ms,
			 struct cni_err *err)
{
	struct settle s = {.nl = nl, .ifindex = ifindex, .ifname = ifname};
	int rc = nl_watch_until(RTNLGRP_IPV6_IFADDR, timeout_ms, settled, &s, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return at_deadline(nl, ifindex, ifname, timeout_ms, err);
}
