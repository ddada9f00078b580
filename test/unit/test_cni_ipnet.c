/* lib/cni/ipnet: Go net.IP / types.IPNet parsing and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "lib/cni/ipnet.h"

static void roundtrip_cidr(const char *in, const char *out)
{
	struct cni_ipnet n;
	char buf[CNI_IPNET_STRLEN];
	if (cni_ipnet_parse(in, &n) != 0)
		fail_msg("rejected %s", in);
	assert_string_equal(cni_ipnet_format(&n, buf), out);
}

static void test_parse_format(void **state)
{
	(void)state;
	roundtrip_cidr("10.1.0.5/16", "10.1.0.5/16"); /* host bits kept */
	roundtrip_cidr("0.0.0.0/0", "0.0.0.0/0");
	roundtrip_cidr("FD00:0:0:0:0:0:0:5/64", "fd00::5/64");
	roundtrip_cidr("2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128");
	roundtrip_cidr("2001:0:0:1:0:0:0:1/64", "2001:0:0:1::1/64");
	roundtrip_cidr("::1:2/127", "::1:2/127"); /* never dotted, unlike glibc */
	roundtrip_cidr("::ffff:10.0.0.1/120", "10.0.0.1/24");
	roundtrip_cidr("2001:db8:1:2:3:4:0:6/64", "2001:db8:1:2:3:4:0:6/64");
	struct cni_ip ip;
	char buf[CNI_IPNET_STRLEN];
	assert_int_equal(cni_ip_parse("::ffff:1.2.3.4", &ip), 0);
	assert_int_equal(ip.family, AF_INET);
	assert_string_equal(cni_ip_format(&ip, buf), "1.2.3.4");
	assert_int_equal(cni_ip_parse("fe80::1", &ip), 0);
	assert_int_equal(ip.family, AF_INET6);
	assert_string_equal(cni_ip_format(&ip, buf), "fe80::1");
}

static void test_rejects(void **state)
{
	(void)state;
	const char *bad[] = {"10.0.0.1",   "10.0.0.1/33", "10.0.0.1/",	  "/8",
			     "fd00::/129", "10.0.0/8",	  "10.0.0.1/a",	  "10.0.0.01/8",
			     "x/8",	   "10.0.0.1/8 ", "fe80::1%e/64", "::ffff:1.2.3.4/95"};
	struct cni_ipnet n;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cni_ipnet_parse(bad[i], &n) == 0)
			fail_msg("accepted %s", bad[i]);
	struct cni_ip ip;
	assert_int_equal(cni_ip_parse("10.0.0.1/8", &ip), -1);
	assert_int_equal(cni_ip_parse("", &ip), -1);
	assert_int_equal(cni_ip_parse(NULL, &ip), -1);
}

static void test_network_contains_equal(void **state)
{
	(void)state;
	struct cni_ipnet n, m;
	struct cni_ip a, b;
	char buf[CNI_IPNET_STRLEN];
	cni_ipnet_parse("10.1.2.3/15", &n);
	m = cni_ipnet_network(&n);
	assert_string_equal(cni_ipnet_format(&m, buf), "10.0.0.0/15");
	cni_ipnet_parse("fd00:1:2:3::9/50", &n);
	m = cni_ipnet_network(&n);
	assert_string_equal(cni_ipnet_format(&m, buf), "fd00:1:2::/50");
	cni_ipnet_parse("10.1.0.0/16", &n);
	cni_ip_parse("10.1.255.255", &a);
	cni_ip_parse("10.2.0.0", &b);
	assert_true(cni_ipnet_contains(&n, &a));
	assert_false(cni_ipnet_contains(&n, &b));
	cni_ip_parse("::ffff:10.1.255.255", &b);
	assert_true(cni_ip_equal(&a, &b));
	cni_ip_parse("fd00::1", &b);
	assert_false(cni_ipnet_contains(&n, &b));
	assert_false(cni_ip_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_format),
	    cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_network_contains_equal),
	};
	return cmocka_run_group_tests_name("cni_ipnet", tests, NULL, NULL);
}
