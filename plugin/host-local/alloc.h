/* One address per range set (Go's IPAllocator.Get): a requested address,
 * or the next free one in round-robin order. Runs under the store lock. */
#pragma once
#include "lib/cni/error.h"
#include "lib/cni/result.h"
#include "plugin/host-local/range.h"
#include "plugin/host-local/store.h"

/* requested may be NULL. Fills *out (address with the range's prefix, the
 * range's gateway). Errors carry the reference's text, code 999. */
int hl_alloc_get(struct hl_store *s, const struct hl_rangeset *set, int set_idx, const char *id,
		 const char *ifname, const struct cni_ip *requested, struct cni_ipconf *out,
		 struct cni_err *err);
