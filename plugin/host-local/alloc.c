#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util/cleanup.h"
#include "plugin/host-local/alloc.h"
#include "lib/cni/log.h"

static void fill(struct cni_ipconf *out, const struct cni_ip *ip, const struct hl_range *r)
{
	memset(out, 0, sizeof(*out));
	out->address.ip = *ip;
	out->address.prefix = r->subnet.prefix;
	out->has_gateway = true;
	out->gateway = r->gateway;
	out->iface = -1;
}

/* The requested ip is held by a lease of an earlier boot: hand it back when
 * it is this attachment's own (a container restarted with its ID after a
 * reboot), else release it. Returns 1 handed back, 0 released (reserve
 * again), -1 when it is no earlier-boot lease or cannot be removed. */
static int reclaim_requested(struct hl_store *s, const struct cni_ip *ip, const char *owner)
{
	struct hl_lease *l = hl_store_earlier(s, ip);
	if (!l)
		return -1;
	if (strcmp(l->owner, owner) == 0) {
		l->earlier_boot = false; /* of this boot from now on */
		return 1;
	}
	cni_note("released lease %s of an earlier boot (%s)", l->name,
		 "requested by another container");
	return hl_store_unlink(s, l->name) ? 0 : -1;
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
	if (rc == 0) {
		cleanup_free char *owner = NULL;
		if (asprintf(&owner, "%s\r\n%s", id, ifname) < 0)
			return cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "lease");
		rc = reclaim_requested(s, ip, owner);
		rc = rc == 0 ? hl_store_reserve(s, id, ifname, ip, set_idx, err) : rc < 0 ? 0 : 1;
	}
	if (rc < 0)
		return -1;
	if (rc == 0)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "requested IP address %s is not available in range set %s",
				   cni_ip_format(ip, a), hl_rangeset_format(set, rs, sizeof(rs)));
	fill(out, ip, r);
	return 0;
}

struct owned_in_set {
	const struct hl_rangeset *set;
	bool earlier; /* look for leases of an earlier boot, else of this one */
	struct cni_ip found;
};

static int in_set(const struct hl_lease *l, void *arg)
{
	struct owned_in_set *d = arg;
	struct cni_ip ip;
	const struct hl_range *r;
	if (l->earlier_boot != d->earlier || !hl_lease_ip(l, &ip) ||
	    !(r = hl_rangeset_find(d->set, &ip)) || (d->earlier && cni_ip_equal(&ip, &r->gateway)))
		return 0;
	d->found = ip;
	return 1;
}

/* Round-robin from after the last reservation; 1 reserved, 0 set full. */
static int next_free(struct hl_store *s, const struct hl_rangeset *set, int set_idx, const char *id,
		     const char *ifname, struct cni_ipconf *out, struct cni_err *err)
{
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
			return 1;
		}
	}
	return 0;
}

/* The set is full: release its leases of an earlier boot (their containers
 * are gone: network namespaces do not survive a reboot). Never a lease of
 * this boot. Returns how many were released. */
static size_t release_earlier(struct hl_store *s, const struct hl_rangeset *set)
{
	size_t n = 0;
	for (size_t i = 0; i < s->index.n; i++) {
		struct hl_lease *l = &s->index.v[i];
		struct cni_ip ip;
		if (l->live && l->earlier_boot && hl_lease_ip(l, &ip) &&
		    hl_rangeset_find(set, &ip) && hl_store_unlink(s, l->name))
			n++;
	}
	if (n) {
		char rs[1024];
		cni_note("range set %s full: released %zu leases of an earlier boot",
			 hl_rangeset_format(set, rs, sizeof(rs)), n);
	}
	return n;
}

int hl_alloc_get(struct hl_store *s, const struct hl_rangeset *set, int set_idx, const char *id,
		 const char *ifname, const struct cni_ip *requested, struct cni_ipconf *out,
		 struct cni_err *err)
{
	if (requested)
		return get_requested(s, set, set_idx, id, ifname, requested, out, err);

	/* The spec forbids a second ADD for the same attachment; one of an
	 * earlier boot is not attached any more. */
	struct owned_in_set d = {.set = set};
	char a[CNI_IPNET_STRLEN];
	if (hl_store_each_owned(s, id, ifname, HL_MATCH_ANY, in_set, &d))
		return cni_err_set(
		    err, CNI_ERR_INTERNAL,
		    "%s has been allocated to %s, duplicate allocation is not allowed",
		    cni_ip_format(&d.found, a), id);
	/* Restarted with its ID after a reboot: its old address back. */
	d.earlier = true;
	if (hl_store_each_owned(s, id, ifname, HL_MATCH_CURRENT, in_set, &d)) {
		hl_store_earlier(s, &d.found)->earlier_boot = false;
		fill(out, &d.found, hl_rangeset_find(set, &d.found));
		return 0;
	}
	int rc = next_free(s, set, set_idx, id, ifname, out, err);
	if (rc == 0 && release_earlier(s, set) > 0)
		rc = next_free(s, set, set_idx, id, ifname, out, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	char rs[1024];
	return cni_err_set(err, CNI_ERR_INTERNAL, "no IP addresses available in range set: %s",
			   hl_rangeset_format(set, rs, sizeof(rs)));
}
