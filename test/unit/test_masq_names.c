/* lib/names (sha512, names, quote): the names the reference derives from
 * sha512 must come out byte for byte (expected values from Python's
 * hashlib and Go's %q rules). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/names/names.h"
#include "lib/names/quote.h"
#include "lib/names/sha512.h"

static void test_sha512_vectors(void **state)
{
	(void)state;
	char hex[SHA512_HEX_LEN + 1];
	sha512_hex_prefix("", SHA512_HEX_LEN, hex);
	assert_string_equal(hex,
			    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
			    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
	sha512_hex_prefix("abc", SHA512_HEX_LEN, hex);
	assert_string_equal(hex,
			    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
			    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	/* FIPS 180-2 two-block message (112 bytes: padding spills over). */
	sha512_hex_prefix("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
			  SHA512_HEX_LEN, hex);
	assert_string_equal(hex,
			    "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
			    "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
	sha512_hex_prefix("abc", 5, hex);
	assert_string_equal(hex, "ddaf3");
}

static void test_sha512_million_a(void **state)
{
	(void)state;
	size_t n = 1000000;
	char *a = malloc(n + 1), hex[SHA512_HEX_LEN + 1];
	assert_non_null(a);
	memset(a, 'a', n);
	a[n] = '\0';
	sha512_hex_prefix(a, 32, hex);
	assert_string_equal(hex, "e718483d0ce769644e2e42c7bc15b463");
	free(a);
}

static void test_ipt_chain_and_comment(void **state)
{
	(void)state;
	char chain[MASQ_IPT_CHAIN_LEN + 1], comment[256];
	masq_ipt_chain("mynet", "cid1", chain);
	assert_string_equal(chain, "CNI-a631aa8e1549a3b129110fd2");
	assert_int_equal(strlen(chain), 28);
	assert_int_equal(masq_ipt_comment("mynet", "cid1", comment, sizeof(comment)), 0);
	assert_string_equal(comment, "name: \"mynet\" id: \"cid1\"");
	assert_int_equal(masq_ipt_comment("mynet", "cid1", comment, 10), -1);
}

static void test_go_quote(void **state)
{
	(void)state;
	char out[64];
	size_t pos = 0;
	assert_int_equal(go_quote("a\"b\\c\n\t\x01\x7f", out, sizeof(out), &pos), 0);
	assert_string_equal(out, "\"a\\\"b\\\\c\\n\\t\\x01\\x7f\"");
	pos = 0;
	assert_int_equal(go_quote("abcdef", out, 5, &pos), -1);
}

static void test_nft_comment(void **state)
{
	(void)state;
	char hash[MASQ_NFT_INSTANCE_HASH_LEN + 1], c[MASQ_NFT_COMMENT_MAX + 1], net[17];
	masq_nft_instance_hash("mynet", "eth0", "cid1", hash);
	assert_string_equal(hash, "d23676b4f2d9fe04-0b65a318f52e521b");
	masq_nft_network_hash("mynet", net);
	assert_string_equal(net, "d23676b4f2d9fe04");
	masq_nft_comment("mynet", "eth0", "cid1", c);
	assert_string_equal(c, "d23676b4f2d9fe04-0b65a318f52e521b, net: mynet, if: eth0, id: cid1");
	/* Double quotes are removed from the text but not from the hash input. */
	masq_nft_comment("n\"q", "eth0", "cid", c);
	assert_string_equal(c, "9e316cffc90ed989-f67e6d6b66294011, net: nq, if: eth0, id: cid");
}

static void test_nft_comment_cut_at_128(void **state)
{
	(void)state;
	char net[61], cid[65], c[MASQ_NFT_COMMENT_MAX + 1];
	memset(net, 'a', 60);
	net[60] = '\0';
	memset(cid, 'b', 64);
	cid[64] = '\0';
	masq_nft_comment(net, "eth0", cid, c);
	assert_int_equal(strlen(c), 128);
	assert_string_equal(c,
			    "5ac08e89d884de3f-afdb53d38af0dcc6, net: aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, if: eth0, id: bbbbbbbbbbbb");
}

static void test_long_inputs_hash_whole_string(void **state)
{
	(void)state;
	/* Longer than the stack buffer: must hash all of it, not a prefix. */
	char cid_a[2001], cid_b[2001], a[MASQ_IPT_CHAIN_LEN + 1], b[MASQ_IPT_CHAIN_LEN + 1];
	memset(cid_a, 'x', 2000);
	cid_a[2000] = '\0';
	memcpy(cid_b, cid_a, sizeof(cid_a));
	cid_b[1999] = 'y';
	masq_ipt_chain("n", cid_a, a);
	masq_ipt_chain("n", cid_b, b);
	assert_string_not_equal(a, b);
}

static void test_spoofchk_names(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(spoofchk_iface_chain("cid1", "eth0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cni-br-iface-cid1-eth0");
	assert_int_equal(spoofchk_mac_chain("cid1", "eth0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cni-br-iface-cid1-eth0-mac");
	assert_int_equal(spoofchk_comment("cid1", "eth0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "macspoofchk-cid1-eth0");
	assert_int_equal(spoofchk_mac_chain("cid1", "eth0", buf, 10), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha512_vectors),
	    cmocka_unit_test(test_sha512_million_a),
	    cmocka_unit_test(test_ipt_chain_and_comment),
	    cmocka_unit_test(test_go_quote),
	    cmocka_unit_test(test_nft_comment),
	    cmocka_unit_test(test_nft_comment_cut_at_128),
	    cmocka_unit_test(test_long_inputs_hash_whole_string),
	    cmocka_unit_test(test_spoofchk_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
