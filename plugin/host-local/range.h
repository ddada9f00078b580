/* Ranges and range sets (ipam.ranges) with the reference's validation
 * messages, and the round-robin iterator that picks the next candidate
 * address. Pure logic: no I/O. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "lib/cni/error.h"
#include "lib/cni/ipnet.h"

struct hl_range {
	struct cni_ipnet subnet; /* as configured; canonical = host bits zero */
	struct cni_ip start, end, gateway;
	bool has_start, has_end, has_gateway; /* given in the config */
};

struct hl_rangeset {
	struct hl_range *r; /* malloc'd, owned by the set */
	size_t n;
};

/* Go's Range.Canonicalize (plugins v1.1.1 messages): refuses networks with
 * fewer than 2 addresses and host bits set, fills the defaults (gateway and
 * rangeStart = network+1, rangeEnd = last address, minus the IPv4
 * broadcast), checks that start and end lie in the subnet and in order.
 * Errors are code 999 (plain Go errors in the reference). */
int hl_range_canonicalize(struct hl_range *r, struct cni_err *err);
/* Inside the subnet and between start and end (inclusive). */
bool hl_range_contains(const struct hl_range *r, const struct cni_ip *ip);
/* "start-end" as Go's Range.String; buf holds 2 * CNI_IPNET_STRLEN. */
char *hl_range_format(const struct hl_range *r, char *buf);

/* Canonicalizes every range, refuses empty sets, mixed families and
 * overlapping ranges. */
int hl_rangeset_canonicalize(struct hl_rangeset *s, struct cni_err *err);
/* The first range containing ip, or NULL. */
const struct hl_range *hl_rangeset_find(const struct hl_rangeset *s, const struct cni_ip *ip);
bool hl_rangeset_overlaps(const struct hl_rangeset *a, const struct hl_rangeset *b);
int hl_rangeset_family(const struct hl_rangeset *s);
/* "a-b,c-d" as Go's RangeSet.String, truncated to len. */
char *hl_rangeset_format(const struct hl_rangeset *s, char *buf, size_t len);
void hl_rangeset_free(struct hl_rangeset *s);

/* Round robin over a set, exactly the reference's RangeIter: starts after
 * last (when last lies in the set) or at the first range's rangeStart, moves
 * to the next range's start after a rangeEnd, wraps, skips each range's
 * gateway and ends when it comes back to where it began. */
struct hl_iter {
	const struct hl_rangeset *set;
	size_t idx;
	struct cni_ip cur, first;
	bool has_cur, has_first;
};

void hl_iter_init(struct hl_iter *it, const struct hl_rangeset *set, const struct cni_ip *last);
/* Returns true with *ip and *range set, false when every address was seen. */
bool hl_iter_next(struct hl_iter *it, struct cni_ip *ip, const struct hl_range **range);
