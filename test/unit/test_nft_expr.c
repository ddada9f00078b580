/* lib/nft/expr: rules are encoded exactly as `nft` encodes them, so that
 * `nft list ruleset` prints them in the usual syntax. The expected
 * expression dumps are what `nft --debug=netlink add rule ...` printed for
 * the same rules (nftables 1.0.6). No kernel needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nft/expr.h"
#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

/* The "  [ ... ]" expression lines of r, one per line. */
static char *exprs(struct nftnl_rule *r)
{
	static char buf[4096], out[4096];
	size_t o = 0;
	nftnl_rule_snprintf(buf, sizeof(buf), r, NFTNL_OUTPUT_DEFAULT, 0);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strncmp(line, "  [", 3) == 0)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s\n", line);
	out[o] = '\0';
	return out;
}

static struct cni_ipnet net(const char *s)
{
	struct cni_ipnet n;
	assert_int_equal(cni_ipnet_parse(s, &n), 0);
	return n;
}

static void test_masq_rule_byte_aligned(void **state)
{
	(void)state;
	/* nft: ip saddr 10.1.0.5 ip daddr != 10.1.0.0/16 masquerade */
	struct cni_ipnet ip = net("10.1.0.5/16");
	struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, "t", "c", NULL);
	assert_int_equal(nft_expr_saddr_eq(r, &ip.ip), 0);
	assert_int_equal(nft_expr_daddr_in(r, &ip, 1), 0);
	assert_int_equal(nft_expr_masquerade(r), 0);
	assert_string_equal(exprs(r), "  [ meta load nfproto => reg 1 ]\n"
				      "  [ cmp eq reg 1 0x00000002 ]\n"
				      "  [ payload load 4b @ network header + 12 => reg 1 ]\n"
				      "  [ cmp eq reg 1 0x0500010a ]\n"
				      "  [ payload load 2b @ network header + 16 => reg 1 ]\n"
				      "  [ cmp neq reg 1 0x0000010a ]\n"
				      "  [ masq ]\n");
	nftnl_rule_free(r);
}

static void test_prefix_not_byte_aligned(void **state)
{
	(void)state;
	/* nft: ip daddr 224.0.0.0/4 return */
	struct cni_ipnet mc = net("224.0.0.0/4");
	struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, "t", "c", NULL);
	assert_int_equal(nft_expr_daddr_in(r, &mc, 0), 0);
	assert_int_equal(nft_expr_verdict(r, NFT_RETURN, NULL), 0);
	assert_string_equal(exprs(r), "  [ meta load nfproto => reg 1 ]\n"
				      "  [ cmp eq reg 1 0x00000002 ]\n"
				      "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
				      "  [ bitwise reg 1 = ( reg 1 & 0x000000f0 ) ^ 0x00000000 ]\n"
				      "  [ cmp eq reg 1 0x000000e0 ]\n"
				      "  [ immediate reg 0 return ]\n");
	nftnl_rule_free(r);
}

static void test_ipv6_prefix(void **state)
{
	(void)state;
	/* nft: ip6 daddr != fd00::/60 (host bits of the address ignored) */
	struct cni_ipnet n = net("fd00::5/60");
	struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, "t", "c", NULL);
	assert_int_equal(nft_expr_daddr_in(r, &n, 1), 0);
	assert_string_equal(
	    exprs(r), "  [ meta load nfproto => reg 1 ]\n"
		      "  [ cmp eq reg 1 0x0000000a ]\n"
		      "  [ payload load 16b @ network header + 24 => reg 1 ]\n"
		      "  [ bitwise reg 1 = ( reg 1 & 0xffffffff 0xf0ffffff 0x00000000 0x00000000 ) "
		      "^ 0x00000000 0x00000000 0x00000000 0x00000000 ]\n"
		      "  [ cmp neq reg 1 0x000000fd 0x00000000 0x00000000 0x00000000 ]\n");
	nftnl_rule_free(r);
}

static void test_bridge_iifname_and_mac(void **state)
{
	(void)state;
	/* nft: iifname "veth1" ether saddr 02:00:00:00:00:01 return */
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	struct nftnl_rule *r = nft_rule_new(NFPROTO_BRIDGE, "nat", "PREROUTING", NULL);
	assert_int_equal(nft_expr_iifname_eq(r, "veth1"), 0);
	assert_int_equal(nft_expr_ether_saddr_eq(r, mac), 0);
	assert_int_equal(nft_expr_verdict(r, NFT_RETURN, NULL), 0);
	assert_string_equal(exprs(r),
			    "  [ meta load iifname => reg 1 ]\n"
			    "  [ cmp eq reg 1 0x68746576 0x00000031 0x00000000 0x00000000 ]\n"
			    "  [ payload load 6b @ link header + 6 => reg 1 ]\n"
			    "  [ cmp eq reg 1 0x00000002 0x00000100 ]\n"
			    "  [ immediate reg 0 return ]\n");
	nftnl_rule_free(r);
}

static void test_rule_compares(void **state)
{
	(void)state;
	struct cni_ipnet ip = net("10.1.0.5/16");
	struct cni_ipnet other = net("10.1.0.6/16");
	struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, "t", "c", NULL);
	assert_int_equal(nft_expr_saddr_eq(r, &ip.ip), 0);
	assert_true(nft_rule_compares(r, ip.ip.addr, 4));
	assert_false(nft_rule_compares(r, other.ip.addr, 4));
	assert_false(nft_rule_compares(r, ip.ip.addr, 3)); /* length matters */
	nftnl_rule_free(r);
}

/* ip daddr <prefix> <verdict>, as lib/nft/nft_masq.c writes postrouting's rules. */
static struct nftnl_rule *daddr_verdict(const char *prefix, int verdict)
{
	struct cni_ipnet n = net(prefix);
	struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, "t", "c", NULL);
	assert_int_equal(nft_expr_daddr_in(r, &n, 0), 0);
	assert_int_equal(nft_expr_verdict(r, verdict, verdict == NFT_GOTO ? "x" : NULL), 0);
	return r;
}

/* Sets the op of r's bitwise expression, as the kernel's listing does. */
static void set_bitwise_op(struct nftnl_rule *r, uint32_t op)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	while ((e = nftnl_expr_iter_next(it)))
		if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "bitwise") == 0)
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_OP, op);
	nftnl_expr_iter_destroy(it);
}

static void test_rule_same_exprs(void **state)
{
	(void)state;
	struct nftnl_rule *want = daddr_verdict("224.0.0.0/4", NFT_RETURN);
	struct nftnl_rule *same = daddr_verdict("224.0.0.0/4", NFT_RETURN);
	struct nftnl_rule *prefix = daddr_verdict("224.0.0.0/5", NFT_RETURN);
	struct nftnl_rule *verdict = daddr_verdict("224.0.0.0/4", NFT_GOTO);
	struct nftnl_rule *longer = daddr_verdict("224.0.0.0/4", NFT_RETURN);
	assert_int_equal(nft_expr_verdict(longer, NFT_RETURN, NULL), 0);

	assert_true(nft_rule_same_exprs(want, same));
	assert_false(nft_rule_same_exprs(want, prefix));
	assert_false(nft_rule_same_exprs(want, verdict));
	assert_false(nft_rule_same_exprs(want, longer));
	assert_false(nft_rule_same_exprs(longer, want));
	/* The kernel lists the op an unset op means: still the same. */
	set_bitwise_op(same, NFT_BITWISE_BOOL);
	assert_true(nft_rule_same_exprs(want, same));
	assert_true(nft_rule_same_exprs(same, want));
	set_bitwise_op(same, NFT_BITWISE_LSHIFT);
	assert_false(nft_rule_same_exprs(want, same));
	assert_false(nft_rule_same_exprs(same, want));

	nftnl_rule_free(want);
	nftnl_rule_free(same);
	nftnl_rule_free(prefix);
	nftnl_rule_free(verdict);
	nftnl_rule_free(longer);
}

static void test_comment_round_trip(void **state)
{
	(void)state;
	char buf[64];
	struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, "t", "c", "abc-123, net: n");
	assert_string_equal(nft_rule_comment(r, buf, sizeof(buf)), "abc-123, net: n");
	assert_string_equal(nft_rule_comment(r, buf, 4), "abc");
	nftnl_rule_free(r);
	r = nft_rule_new(NFPROTO_INET, "t", "c", NULL);
	assert_string_equal(nft_rule_comment(r, buf, sizeof(buf)), "");
	nftnl_rule_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_masq_rule_byte_aligned),
	    cmocka_unit_test(test_prefix_not_byte_aligned),
	    cmocka_unit_test(test_ipv6_prefix),
	    cmocka_unit_test(test_bridge_iifname_and_mac),
	    cmocka_unit_test(test_rule_compares),
	    cmocka_unit_test(test_rule_same_exprs),
	    cmocka_unit_test(test_comment_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
