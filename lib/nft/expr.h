/* Building nftables rules expression by expression, the way `nft` encodes
 * them (so `nft list ruleset` prints them in the usual syntax). Each helper
 * appends to r and loads into / compares register 1. On allocation failure
 * the helpers return -1 and leave r unusable; callers free r. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/nft/nftnl_dl.h"
#include "lib/cni/ipnet.h"

/* A rule for family/table/chain with an optional comment (NULL = none). */
struct nftnl_rule *nft_rule_new(uint16_t family, const char *table, const char *chain,
				const char *comment);
/* The rule's comment, or "" when it has none. Copies into buf (size bytes). */
const char *nft_rule_comment(const struct nftnl_rule *r, char *buf, size_t size);

/* Whether some "cmp" of r compares against exactly these bytes (to verify
 * a listed rule: its source address, its MAC). */
bool nft_rule_compares(const struct nftnl_rule *r, const void *data, uint32_t len);

/* Whether a and b hold the same expressions, in order, with the same
 * attributes (to tell whether a listed rule is exactly one we would write).
 * Rule attributes (handle, comment) are not compared. The kernel's listing
 * of a "bitwise" names its op (mask-xor), which unset means: that counts
 * as equal. Never says equal when the expressions differ. */
bool nft_rule_same_exprs(const struct nftnl_rule *a, const struct nftnl_rule *b);

/* ip/ip6 saddr == addr (with the inet "meta nfproto" dependency). */
int nft_expr_saddr_eq(struct nftnl_rule *r, const struct cni_ip *addr);
/* ip/ip6 daddr == net / != net (prefix match; host bits ignored). */
int nft_expr_daddr_in(struct nftnl_rule *r, const struct cni_ipnet *net, int negate);
/* iifname "<ifname>" */
int nft_expr_iifname_eq(struct nftnl_rule *r, const char *ifname);
/* ether saddr <mac> */
int nft_expr_ether_saddr_eq(struct nftnl_rule *r, const uint8_t mac[6]);
int nft_expr_masquerade(struct nftnl_rule *r);
/* verdict: NF_ACCEPT, NF_DROP, NFT_RETURN, or NFT_JUMP/NFT_GOTO with chain. */
int nft_expr_verdict(struct nftnl_rule *r, int verdict, const char *chain);
