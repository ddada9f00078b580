/* Address arithmetic on struct cni_ip for both families: the 128-bit
 * increment and comparison that range iteration needs. Pure functions. */
#pragma once
#include <stdbool.h>
#include "lib/cni/ipnet.h"

/* Numeric order of two addresses of the same family (<0, 0, >0). Addresses
 * of different families order IPv4 first, so a sort never mixes them. */
int hl_ip_cmp(const struct cni_ip *a, const struct cni_ip *b);
/* ip + 1 in place, wrapping at the family's end (callers stop before). */
void hl_ip_next(struct cni_ip *ip);
/* The network address plus one (the default gateway and rangeStart). */
struct cni_ip hl_net_first(const struct cni_ipnet *net);
/* Go's lastIP(): all host bits set, minus one for IPv4 (the broadcast). */
struct cni_ip hl_net_last(const struct cni_ipnet *net);
/* True when net's address has no host bits set. */
bool hl_net_is_network(const struct cni_ipnet *net);
