#include <string.h>
#include "plugin/host-local/alloc.h"

static void fill(struct cni_ipconf *out, const struct cni_ip *ip, const struct hl_range *r)
{
	memset(out, 0, sizeof(*out));
	out->address.ip = *ip;
	out->address.prefix = r->subnet.prefix;
	out->has_gateway = true;
	out->gateway = r->gateway;
	out->iface = -1;
}

static int get_requested(struct hl_store *s, const struct hl_rangeset *set, int set_idx,
			 const char *id, const char *ifname, const struct cni_ip *ip,
			 struct cni_ipconf *out, struct cni_err *err)
{
	char a[CNI_IPNET_STRLEN], rs[1024];
	const struct hl_range *r = hl_rangeset_find(set, ip);
	if (!r)
		return cni_err_set(err, CNI_ERR_INTERNAL, "%s not in range set %s",
				   cni_ip_format(ip, a), hl_rangeset_format(set, rs, sizeof(rs)));
	if (cni_ip_equal(ip, &r->gateway))
		return cni_err_set(err, CNI_ERR_INTERNAL, "requested ip %s is subnet's gateway",
				   cni_ip_format(ip, a));
	int rc = hl_store_reserve(s, id, ifname, ip, set_idx, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "requested IP address %s is not available in range set %s",
				   cni_ip_format(ip, a), hl_rangeset_format(set, rs, sizeof(rs)));
	fill(out, ip, r);
	return 0;
}

struct dup_check {
	const struct hl_rangeset *set;
	struct cni_ip found;
};

static int in_set(const struct hl_lease *l, void *arg)
{
	struct dup_check *d = arg;
	struct cni_ip ip;
	if (hl_lease_ip(l, &ip) && hl_rangeset_find(d->set, &ip)) {
		d->found = ip;
		return 1;
	}
	return 0;
}

int hl_alloc_get(struct hl_store *s, const struct hl_rangeset *set, int set_idx, const char *id,
		 const char *ifname, const struct cni_ip *requested, struct cni_ipconf *out,
		 struct cni_err *err)
{
	if (requested)
		return get_requested(s, set, set_idx, id, ifname, requested, out, err);

	/* The spec forbids a second ADD for the same attachment. */
	struct dup_check d = {.set = set};
	char a[CNI_IPNET_STRLEN];
	if (hl_store_each_owned(s, id, ifname, HL_MATCH_ANY, in_set, &d))
		return cni_err_set(
		    err, CNI_ERR_INTERNAL,
		    "%s has been allocated to %s, duplicate allocation is not allowed",
		    cni_ip_format(&d.found, a), id);

	struct cni_ip last, ip;
	const struct hl_range *r;
	struct hl_iter it;
	hl_iter_init(&it, set, hl_store_last_reserved(s, set_idx, &last) ? &last : NULL);
	while (hl_iter_next(&it, &ip, &r)) {
		if (hl_store_taken(s, &ip))
			continue; /* known from the index: no syscall needed */
		int rc = hl_store_reserve(s, id, ifname, &ip, set_idx, err);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			fill(out, &ip, r);
			return 0;
		}
	}
	char rs[1024];
	return cni_err_set(err, CNI_ERR_INTERNAL, "no IP addresses available in range set: %s",
			   hl_rangeset_format(set, rs, sizeof(rs)));
}
