/* plugin/host-local range.c: validation messages as plugins v1.1.1 prints
 * them, defaults, and the round-robin order of the reference's RangeIter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/host-local/ipmath.h"
#include "plugin/host-local/range.h"

/* "subnet[,start[,end[,gw]]]" with "-" for an absent field. */
static struct hl_range mk(const char *spec)
{
	struct hl_range r;
	char buf[256], *f[4] = {0};
	memset(&r, 0, sizeof(r));
	snprintf(buf, sizeof(buf), "%s", spec);
	int n = 0;
	for (char *t = strtok(buf, ","); t && n < 4; t = strtok(NULL, ","))
		f[n++] = t;
	assert_int_equal(cni_ipnet_parse(f[0], &r.subnet), 0);
	if (f[1] && strcmp(f[1], "-")) {
		assert_int_equal(cni_ip_parse(f[1], &r.start), 0);
		r.has_start = true;
	}
	if (f[2] && strcmp(f[2], "-")) {
		assert_int_equal(cni_ip_parse(f[2], &r.end), 0);
		r.has_end = true;
	}
	if (f[3] && strcmp(f[3], "-")) {
		assert_int_equal(cni_ip_parse(f[3], &r.gateway), 0);
		r.has_gateway = true;
	}
	return r;
}

static void refused(const char *spec, const char *msg)
{
	struct hl_range r = mk(spec);
	struct cni_err err = {0};
	if (hl_range_canonicalize(&r, &err) == 0)
		fail_msg("%s accepted", spec);
	assert_int_equal(err.code, 999);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", spec, err.msg, msg);
}

static void accepted(const char *spec, const char *want_range, const char *want_gw)
{
	struct hl_range r = mk(spec);
	struct cni_err err = {0};
	char buf[2 * CNI_IPNET_STRLEN], gw[CNI_IPNET_STRLEN];
	if (hl_range_canonicalize(&r, &err) < 0)
		fail_msg("%s refused: %s", spec, err.msg);
	assert_string_equal(hl_range_format(&r, buf), want_range);
	assert_string_equal(cni_ip_format(&r.gateway, gw), want_gw);
}

static void test_range_validation(void **state)
{
	(void)state;
	refused("10.1.2.3/24", "Network has host bits set. For a subnet mask of length 24 the "
			       "network address is 10.1.2.0");
	refused("fd00::1/64", "Network has host bits set. For a subnet mask of length 64 the "
			      "network address is fd00::");
	refused("10.1.2.0/31", "Network 10.1.2.0/31 too small to allocate from");
	refused("10.1.2.0/32", "Network 10.1.2.0/32 too small to allocate from");
	refused("fd00::/127", "Network fd00::/127 too small to allocate from");
	refused("fd00::/128", "Network fd00::/128 too small to allocate from");
	refused("10.1.2.0/24,10.1.3.1", "RangeStart 10.1.3.1 not in network 10.1.2.0/24");
	refused("10.1.2.0/24,-,10.1.3.1", "RangeEnd 10.1.3.1 not in network 10.1.2.0/24");
	refused("10.1.2.0/24,10.1.2.100,10.1.2.50",
		"RangeStart 10.1.2.100 not in network 10.1.2.0/24");
	refused("10.1.2.0/24,-,10.1.2.0", "RangeEnd 10.1.2.0 not in network 10.1.2.0/24");
	refused("10.1.2.0/24,fd00::5", "RangeStart fd00::5 not in network 10.1.2.0/24");
}

static void test_range_defaults(void **state)
{
	(void)state;
	accepted("10.1.2.0/24", "10.1.2.1-10.1.2.254", "10.1.2.1");
	accepted("10.1.2.0/30", "10.1.2.1-10.1.2.2", "10.1.2.1");
	accepted("10.1.0.0/16", "10.1.0.1-10.1.255.254", "10.1.0.1");
	/* IPv6: rangeEnd is the very last address (all host bits set) */
	accepted("fd00::/64", "fd00::1-fd00::ffff:ffff:ffff:ffff", "fd00::1");
	accepted("fd00::/126", "fd00::1-fd00::3", "fd00::1");
	accepted("10.1.2.0/24,10.1.2.10,10.1.2.20,10.1.2.254", "10.1.2.10-10.1.2.20", "10.1.2.254");
	/* a gateway outside the subnet is accepted, as v1.1.1 does */
	accepted("10.1.2.0/24,-,-,10.9.9.9", "10.1.2.1-10.1.2.254", "10.9.9.9");
	accepted("10.1.2.0/24,10.1.2.5,10.1.2.5", "10.1.2.5-10.1.2.5", "10.1.2.1");
}

static struct hl_rangeset mkset(const char *const *specs)
{
	struct hl_rangeset s = {0};
	while (specs[s.n])
		s.n++;
	s.r = calloc(s.n, sizeof(*s.r));
	for (size_t i = 0; i < s.n; i++)
		s.r[i] = mk(specs[i]);
	return s;
}

static void set_refused(const char *const *specs, const char *msg)
{
	struct hl_rangeset s = mkset(specs);
	struct cni_err err = {0};
	assert_int_equal(hl_rangeset_canonicalize(&s, &err), -1);
	assert_string_equal(err.msg, msg);
	hl_rangeset_free(&s);
}

static void test_rangeset_validation(void **state)
{
	(void)state;
	set_refused((const char *[]){"10.1.2.0/24", "fd00::/64", NULL}, "mixed address families");
	set_refused((const char *[]){"10.1.2.0/24", "10.1.2.0/25", NULL},
		    "subnets 10.1.2.1-10.1.2.254 and 10.1.2.1-10.1.2.126 overlap");
	set_refused((const char *[]){"10.1.2.0/24,10.1.2.10,10.1.2.20",
				     "10.1.2.0/24,10.1.2.15,10.1.2.30", NULL},
		    "subnets 10.1.2.10-10.1.2.20 and 10.1.2.15-10.1.2.30 overlap");
	set_refused((const char *[]){NULL}, "empty range set");
	/* the same subnet split into disjoint ranges is fine */
	struct hl_rangeset s = mkset((const char *[]){"10.1.2.0/24,10.1.2.10,10.1.2.20",
						      "10.1.2.0/24,10.1.2.21,10.1.2.30", NULL});
	struct cni_err err = {0};
	assert_int_equal(hl_rangeset_canonicalize(&s, &err), 0);
	/* sets overlapping each other; different families never overlap */
	struct hl_rangeset t = mkset((const char *[]){"10.1.2.0/25", NULL});
	struct hl_rangeset u = mkset((const char *[]){"fd00::/64", NULL});
	assert_int_equal(hl_rangeset_canonicalize(&t, &err), 0);
	assert_int_equal(hl_rangeset_canonicalize(&u, &err), 0);
	assert_true(hl_rangeset_overlaps(&s, &t));
	assert_false(hl_rangeset_overlaps(&s, &u));
	char buf[256];
	assert_string_equal(hl_rangeset_format(&s, buf, sizeof(buf)),
			    "10.1.2.10-10.1.2.20,10.1.2.21-10.1.2.30");
	hl_rangeset_free(&s);
	hl_rangeset_free(&t);
	hl_rangeset_free(&u);
}

/* The first n addresses of the walk, space-separated ("END" when done). */
static void walk(const char *const *specs, const char *last, int n, const char *want)
{
	struct hl_rangeset s = mkset(specs);
	struct cni_err err = {0};
	assert_int_equal(hl_rangeset_canonicalize(&s, &err), 0);
	struct cni_ip l, ip;
	if (last)
		assert_int_equal(cni_ip_parse(last, &l), 0);
	struct hl_iter it;
	hl_iter_init(&it, &s, last ? &l : NULL);
	char got[2048] = "", a[CNI_IPNET_STRLEN];
	const struct hl_range *r;
	for (int i = 0; i < n; i++) {
		if (!hl_iter_next(&it, &ip, &r)) {
			strcat(got, "END");
			break;
		}
		strcat(got, cni_ip_format(&ip, a));
		strcat(got, i + 1 < n ? " " : "");
	}
	if (strcmp(got, want) != 0)
		fail_msg("walk: got \"%s\", want \"%s\"", got, want);
	hl_rangeset_free(&s);
}

static void test_iter_v4(void **state)
{
	(void)state;
	const char *one[] = {"10.1.2.0/29", NULL};
	/* gateway .1 skipped, .7 is the broadcast, never offered */
	walk(one, NULL, 7, "10.1.2.2 10.1.2.3 10.1.2.4 10.1.2.5 10.1.2.6 END");
	walk(one, "10.1.2.4", 6, "10.1.2.5 10.1.2.6 10.1.2.2 10.1.2.3 10.1.2.4 END");
	/* the last reservation at rangeEnd wraps to rangeStart */
	walk(one, "10.1.2.6", 2, "10.1.2.2 10.1.2.3");
	/* a last reservation outside the set starts from the beginning */
	walk(one, "10.9.9.9", 1, "10.1.2.2");
	walk(one, "10.1.2.1", 1, "10.1.2.2"); /* the gateway lies in the range */
	const char *edges[] = {"10.1.2.0/24,10.1.2.10,10.1.2.12,10.1.2.11", NULL};
	walk(edges, NULL, 3, "10.1.2.10 10.1.2.12 END");
	const char *gw_first[] = {"10.1.2.0/24,10.1.2.10,10.1.2.12,10.1.2.10", NULL};
	walk(gw_first, NULL, 3, "10.1.2.11 10.1.2.12 END");
}

static void test_iter_multi_range(void **state)
{
	(void)state;
	const char *two[] = {"10.1.2.0/30", "10.1.3.0/30", NULL};
	walk(two, NULL, 4, "10.1.2.2 10.1.3.2 END");
	walk(two, "10.1.2.2", 3, "10.1.3.2 10.1.2.2 END");
	walk(two, "10.1.3.2", 3, "10.1.2.2 10.1.3.2 END");
	const char *three[] = {"10.1.2.0/24,10.1.2.250,10.1.2.251", "10.1.4.0/24,10.1.4.1,10.1.4.3",
			       "10.1.5.0/29,-,10.1.5.3", NULL};
	walk(three, "10.1.2.251", 7,
	     "10.1.4.2 10.1.4.3 10.1.5.2 10.1.5.3 10.1.2.250 10.1.2.251 END");
}

static void test_iter_v6(void **state)
{
	(void)state;
	const char *small[] = {"fd00::/126", NULL};
	walk(small, NULL, 4, "fd00::2 fd00::3 END");
	const char *wide[] = {"fd00::/64,fd00::ffff:ffff:ffff:fffe", NULL};
	/* 128-bit arithmetic up to the very last address, then the wrap */
	walk(wide, NULL, 3, "fd00::ffff:ffff:ffff:fffe fd00::ffff:ffff:ffff:ffff END");
	const char *carry[] = {"fd00::/64,fd00::ffff,fd00::1:1", NULL};
	walk(carry, "fd00::ffff", 2, "fd00::1:0 fd00::1:1");
	const char *pair[] = {"fd00:1::/126", "fd00:2::/126", NULL};
	walk(pair, "fd00:1::3", 4, "fd00:2::2 fd00:2::3 fd00:1::2 fd00:1::3");
}

static void test_ipmath(void **state)
{
	(void)state;
	struct cni_ip ip;
	char a[CNI_IPNET_STRLEN];
	assert_int_equal(cni_ip_parse("10.0.0.255", &ip), 0);
	hl_ip_next(&ip);
	assert_string_equal(cni_ip_format(&ip, a), "10.0.1.0");
	assert_int_equal(cni_ip_parse("fd00::ffff:ffff", &ip), 0);
	hl_ip_next(&ip);
	assert_string_equal(cni_ip_format(&ip, a), "fd00::1:0:0");
	struct cni_ipnet n;
	assert_int_equal(cni_ipnet_parse("10.0.0.0/8", &n), 0);
	ip = hl_net_last(&n);
	assert_string_equal(cni_ip_format(&ip, a), "10.255.255.254");
	assert_int_equal(cni_ipnet_parse("fd00::/120", &n), 0);
	ip = hl_net_last(&n);
	assert_string_equal(cni_ip_format(&ip, a), "fd00::ff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_validation),
	    cmocka_unit_test(test_range_defaults),
	    cmocka_unit_test(test_rangeset_validation),
	    cmocka_unit_test(test_iter_v4),
	    cmocka_unit_test(test_iter_multi_range),
	    cmocka_unit_test(test_iter_v6),
	    cmocka_unit_test(test_ipmath),
	};
	return cmocka_run_group_tests_name("hl_range", tests, NULL, NULL);
}
