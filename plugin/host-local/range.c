#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plugin/host-local/ipmath.h"
#include "plugin/host-local/range.h"

/* Like IPInRange, but start/end only count once known, which lets
 * canonicalize check rangeStart against a configured rangeEnd, as Go does. */
static bool in_range(const struct hl_range *r, const struct cni_ip *ip, bool use_start,
		     bool use_end)
{
	if (ip->family != r->subnet.ip.family || !cni_ipnet_contains(&r->subnet, ip))
		return false;
	if (use_start && hl_ip_cmp(ip, &r->start) < 0)
		return false;
	if (use_end && hl_ip_cmp(ip, &r->end) > 0)
		return false;
	return true;
}

bool hl_range_contains(const struct hl_range *r, const struct cni_ip *ip)
{
	return in_range(r, ip, true, true);
}

int hl_range_canonicalize(struct hl_range *r, struct cni_err *err)
{
	char net[CNI_IPNET_STRLEN], ip[CNI_IPNET_STRLEN];
	int bits = cni_ip_bits(r->subnet.ip.family);

	cni_ipnet_format(&r->subnet, net);
	if (r->subnet.prefix > bits - 2)
		return cni_err_set(err, CNI_ERR_INTERNAL, "Network %s too small to allocate from",
				   net);
	if (!hl_net_is_network(&r->subnet)) {
		struct cni_ipnet n = cni_ipnet_network(&r->subnet);
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "Network has host bits set. For a subnet mask of length %d the "
				   "network address is %s",
				   r->subnet.prefix, cni_ip_format(&n.ip, ip));
	}
	/* A gateway outside the subnet is accepted, as v1.1.1 does; it then
	 * simply never collides with a candidate. */
	if (!r->has_gateway)
		r->gateway = hl_net_first(&r->subnet);
	if (r->has_start) {
		if (!in_range(r, &r->start, true, r->has_end))
			return cni_err_set(err, CNI_ERR_INTERNAL, "RangeStart %s not in network %s",
					   cni_ip_format(&r->start, ip), net);
	} else {
		r->start = hl_net_first(&r->subnet);
	}
	if (r->has_end) {
		if (!in_range(r, &r->end, true, true))
			return cni_err_set(err, CNI_ERR_INTERNAL, "RangeEnd %s not in network %s",
					   cni_ip_format(&r->end, ip), net);
	} else {
		r->end = hl_net_last(&r->subnet);
	}
	return 0;
}

char *hl_range_format(const struct hl_range *r, char *buf)
{
	char a[CNI_IPNET_STRLEN], b[CNI_IPNET_STRLEN];
	snprintf(buf, 2 * CNI_IPNET_STRLEN, "%s-%s", cni_ip_format(&r->start, a),
		 cni_ip_format(&r->end, b));
	return buf;
}

static bool ranges_overlap(const struct hl_range *a, const struct hl_range *b)
{
	if (a->start.family != b->start.family)
		return false;
	return hl_range_contains(a, &b->start) || hl_range_contains(a, &b->end) ||
	       hl_range_contains(b, &a->start) || hl_range_contains(b, &a->end);
}

int hl_rangeset_canonicalize(struct hl_rangeset *s, struct cni_err *err)
{
	if (s->n == 0)
		return cni_err_set(err, CNI_ERR_INTERNAL, "empty range set");
	for (size_t i = 0; i < s->n; i++) {
		if (hl_range_canonicalize(&s->r[i], err) < 0)
			return -1;
		if (s->r[i].start.family != s->r[0].start.family)
			return cni_err_set(err, CNI_ERR_INTERNAL, "mixed address families");
	}
	for (size_t i = 0; i + 1 < s->n; i++)
		for (size_t j = i + 1; j < s->n; j++)
			if (ranges_overlap(&s->r[i], &s->r[j])) {
				char a[2 * CNI_IPNET_STRLEN], b[2 * CNI_IPNET_STRLEN];
				return cni_err_set(
				    err, CNI_ERR_INTERNAL, "subnets %s and %s overlap",
				    hl_range_format(&s->r[i], a), hl_range_format(&s->r[j], b));
			}
	return 0;
}

const struct hl_range *hl_rangeset_find(const struct hl_rangeset *s, const struct cni_ip *ip)
{
	for (size_t i = 0; i < s->n; i++)
		if (hl_range_contains(&s->r[i], ip))
			return &s->r[i];
	return NULL;
}

bool hl_rangeset_overlaps(const struct hl_rangeset *a, const struct hl_rangeset *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (ranges_overlap(&a->r[i], &b->r[j]))
				return true;
	return false;
}

int hl_rangeset_family(const struct hl_rangeset *s)
{
	return s->n ? s->r[0].start.family : 0;
}

char *hl_rangeset_format(const struct hl_rangeset *s, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->n && off < len; i++) {
		char r[2 * CNI_IPNET_STRLEN];
		int w = snprintf(buf + off, len - off, "%s%s", i ? "," : "",
				 hl_range_format(&s->r[i], r));
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return buf;
}

void hl_rangeset_free(struct hl_rangeset *s)
{
	free(s->r);
	s->r = NULL;
	s->n = 0;
}

void hl_iter_init(struct hl_iter *it, const struct hl_rangeset *set, const struct cni_ip *last)
{
	memset(it, 0, sizeof(*it));
	it->set = set;
	if (!last)
		return;
	for (size_t i = 0; i < set->n; i++)
		if (hl_range_contains(&set->r[i], last)) {
			/* the first next() returns last + 1 */
			it->idx = i;
			it->cur = *last;
			it->has_cur = true;
			return;
		}
}

bool hl_iter_next(struct hl_iter *it, struct cni_ip *ip, const struct hl_range **range)
{
	for (;;) {
		const struct hl_range *r = &it->set->r[it->idx];
		if (!it->has_cur) {
			it->cur = r->start;
			it->first = r->start;
			it->has_cur = it->has_first = true;
		} else {
			if (cni_ip_equal(&it->cur, &r->end)) {
				it->idx = (it->idx + 1) % it->set->n;
				r = &it->set->r[it->idx];
				it->cur = r->start;
			} else {
				hl_ip_next(&it->cur);
			}
			if (!it->has_first) {
				it->first = it->cur;
				it->has_first = true;
			} else if (cni_ip_equal(&it->cur, &it->first)) {
				return false;
			}
		}
		if (cni_ip_equal(&it->cur, &r->gateway))
			continue;
		*ip = it->cur;
		*range = r;
		return true;
	}
}
