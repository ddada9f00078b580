/* How many addresses a range set can still hand out, from the lease index
 * (no lease file is read). STATUS uses it to say "cannot serve ADD". Pure
 * logic over the index; call under the store lock so the index is current. */
#pragma once
#include <stdint.h>
#include "plugin/host-local/index.h"
#include "plugin/host-local/range.h"

struct hl_capacity {
	uint64_t size;	  /* addresses ADD may hand out (start..end minus the
			   * gateway), saturated at UINT64_MAX for huge IPv6 ranges */
	uint64_t leased;  /* of those, how many have a lease file of this boot */
	uint64_t earlier; /* leases of an earlier boot (boot.h): ADD releases
			   * them when it needs room, so they count as free */
};

/* Counts one set. A lease counts when its file name is an address inside
 * one of the set's ranges and is not that range's gateway; other files
 * (leases of an older range, non-address names) do not. Leases marked
 * earlier_boot count in .earlier, not in .leased. */
struct hl_capacity hl_capacity_of(const struct hl_rangeset *set, const struct hl_index *x);
/* size minus leased; 0 means ADD would fail with "no IP addresses available". */
static inline uint64_t hl_capacity_free(const struct hl_capacity *c)
{
	return c->leased >= c->size ? 0 : c->size - c->leased;
}
