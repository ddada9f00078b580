#include "plugin/host-local/capacity.h"
#include "plugin/host-local/ipmath.h"

typedef unsigned __int128 u128;

static u128 as_number(const struct cni_ip *ip)
{
	u128 v = 0;
	for (int i = 0; i < cni_ip_len(ip->family); i++)
		v = (v << 8) | ip->addr[i];
	return v;
}

/* rangeStart..rangeEnd inclusive; the iterator skips the gateway, so it is
 * not an address ADD can hand out. A /0 IPv6 range would overflow u128 by
 * one: saturate, it is never exhausted anyway. */
static u128 range_size(const struct hl_range *r)
{
	u128 n = as_number(&r->end) - as_number(&r->start);
	if (n == ~(u128)0)
		return n;
	n++;
	if (hl_range_contains(r, &r->gateway))
		n--;
	return n;
}

struct hl_capacity hl_capacity_of(const struct hl_rangeset *set, const struct hl_index *x)
{
	u128 size = 0;
	struct hl_capacity c = {0};
	for (size_t i = 0; i < set->n; i++) {
		u128 n = range_size(&set->r[i]);
		size = size + n < size ? ~(u128)0 : size + n;
	}
	c.size = size > UINT64_MAX ? UINT64_MAX : (uint64_t)size;
	for (size_t i = 0; i < x->n; i++) {
		struct cni_ip ip;
		const struct hl_range *r;
		if (!x->v[i].live || !hl_lease_ip(&x->v[i], &ip))
			continue;
		r = hl_rangeset_find(set, &ip);
		if (r && !cni_ip_equal(&ip, &r->gateway))
			*(x->v[i].earlier_boot ? &c.earlier : &c.leased) += 1;
	}
	return c;
}
