/* lib/cni/result: parse any version, print any version, with golden JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/cni/json.h"
#include "lib/cni/result.h"
#include "test/unit/test_cni_result_golden.h"

/* Parses text as a result; fails the test on error. */
static void parse_ok(const char *text, const char *def, struct cni_result *res)
{
	struct cni_err err = {0};
	cJSON *j = json_parse(text, strlen(text), "result", &err);
	if (!j)
		fail_msg("json: %s", err.msg);
	if (cni_result_parse(j, def, res, &err) != 0)
		fail_msg("parse: %s", err.msg);
	cJSON_Delete(j);
}

static int parse_err(const char *text, struct cni_err *err)
{
	struct cni_result res;
	cJSON *j = json_parse(text, strlen(text), "result", err);
	if (!j)
		fail_msg("json: %s", err->msg);
	int rc = cni_result_parse(j, NULL, &res, err);
	cJSON_Delete(j);
	if (rc == 0) {
		cni_result_free(&res);
		fail_msg("accepted %s", text);
	}
	return (int)err->code;
}

/* Prints res at version; returns malloc'd text or NULL with err set. */
static char *print_at(const struct cni_result *res, const char *version, struct cni_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = cni_result_print(res, version, f, err);
	fclose(f);
	if (rc < 0) {
		assert_int_equal(len, 0); /* nothing half-printed */
		free(buf);
		return NULL;
	}
	return buf;
}

static void assert_prints(const struct cni_result *res, const char *version, const char *want)
{
	struct cni_err err = {0};
	char *got = print_at(res, version, &err);
	if (!got)
		fail_msg("print at %s: %s", version, err.msg);
	if (strcmp(got, want) != 0)
		fail_msg("at \"%s\" got:\n%s\nwant:\n%s", version, got, want);
	free(got);
}

static void test_golden_every_version(void **state)
{
	(void)state;
	struct cni_result res;
	parse_ok(full_result_110, NULL, &res);
	assert_string_equal(res.cni_version, "1.1.0");
	for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++)
		assert_prints(&res, golden[i].version, golden[i].json);
	cni_result_free(&res);
}

/* Each golden, parsed back at its own version and printed again, is stable. */
static void test_golden_reparse_is_stable(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		struct cni_result res;
		parse_ok(golden[i].json, golden[i].version, &res);
		assert_prints(&res, golden[i].version, golden[i].json);
		cni_result_free(&res);
	}
}

static void test_legacy_parses_into_1x(void **state)
{
	(void)state;
	struct cni_result res;
	parse_ok("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.1.0.5/16\",\"gateway\":"
		 "\"10.1.0.1\",\"routes\":[{\"dst\":\"0.0.0.0/0\"}]},\"ip6\":{\"ip\":"
		 "\"fd00::5/64\"},\"dns\":{\"nameservers\":[\"1.1.1.1\"]}}",
		 NULL, &res);
	assert_prints(
	    &res, "1.0.0",
	    "{\n    \"cniVersion\": \"1.0.0\",\n    \"dns\": {\n        \"nameservers\": [\n"
	    "            \"1.1.1.1\"\n        ]\n    },\n    \"ips\": [\n        {\n"
	    "            \"address\": \"10.1.0.5/16\",\n            \"gateway\": "
	    "\"10.1.0.1\"\n        },\n        {\n            \"address\": "
	    "\"fd00::5/64\"\n        }\n    ],\n    \"routes\": [\n        {\n"
	    "            \"dst\": \"0.0.0.0/0\"\n        }\n    ]\n}");
	cni_result_free(&res);
}

static void test_040_version_dropped_in_1x(void **state)
{
	(void)state;
	struct cni_result res;
	parse_ok(
	    "{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":\"10.0.0.2/24\"}]}",
	    NULL, &res);
	assert_prints(&res, "1.1.0",
		      "{\n    \"cniVersion\": \"1.1.0\",\n    \"ips\": [\n        {\n"
		      "            \"address\": \"10.0.0.2/24\"\n        }\n    ]\n}");
	assert_prints(
	    &res, "0.3.1",
	    "{\n    \"cniVersion\": \"0.3.1\",\n    \"dns\": {},\n    \"ips\": [\n        {\n"
	    "            \"address\": \"10.0.0.2/24\",\n            \"version\": \"4\"\n"
	    "        }\n    ]\n}");
	cni_result_free(&res);
}

static void test_ipam_short_form_and_default_version(void **state)
{
	(void)state;
	struct cni_result res;
	/* No cniVersion: the caller's default applies (libcni's rule). */
	parse_ok("{\"ips\":[{\"address\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1\"}],"
		 "\"routes\":[{\"dst\":\"10.9.0.0/16\",\"gw\":\"10.0.0.1\"}]}",
		 "1.0.0", &res);
	assert_string_equal(res.cni_version, "1.0.0");
	assert_int_equal(res.n_ifaces, 0);
	assert_int_equal(res.n_ips, 1);
	assert_int_equal(res.ips[0].iface, -1);
	assert_true(res.ips[0].has_gateway);
	assert_int_equal(res.n_routes, 1);
	cni_result_free(&res);
	parse_ok("{\"ip4\":{\"ip\":\"10.0.0.2/24\"}}", NULL, &res);
	assert_string_equal(res.cni_version, "0.1.0");
	assert_int_equal(res.n_ips, 1);
	cni_result_free(&res);
}

static void test_020_keeps_first_ip_per_family(void **state)
{
	(void)state;
	struct cni_result res;
	parse_ok(
	    "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"fd00::2/64\"},{\"address\":"
	    "\"10.0.0.2/24\"},{\"address\":\"fd00::3/64\"},{\"address\":\"10.0.0.3/24\"}],"
	    "\"routes\":[{\"dst\":\"fd01::/64\"},{\"dst\":\"10.1.0.0/16\",\"gw\":\"10.0.0.1\"}]}",
	    NULL, &res);
	assert_prints(
	    &res, "0.2.0",
	    "{\n    \"cniVersion\": \"0.2.0\",\n    \"dns\": {},\n    \"ip4\": {\n"
	    "        \"ip\": \"10.0.0.2/24\",\n        \"routes\": [\n            {\n"
	    "                \"dst\": \"10.1.0.0/16\",\n                \"gw\": \"10.0.0.1\"\n"
	    "            }\n        ]\n    },\n    \"ip6\": {\n        \"ip\": "
	    "\"fd00::2/64\",\n        \"routes\": [\n            {\n                \"dst\": "
	    "\"fd01::/64\"\n            }\n        ]\n    }\n}");
	cni_result_free(&res);
}

static void test_l2_result_below_030_fails(void **state)
{
	(void)state;
	struct cni_result res = {0};
	struct cni_err err = {0};
	assert_int_equal(cni_result_add_iface(&res, "cni0", "aa:bb:cc:dd:ee:ff", NULL, &err), 0);
	assert_int_equal(cni_result_add_iface(&res, "eth0", NULL, "/run/netns/x", &err), 1);
	for (const char *const *v = (const char *const[]){"0.2.0", "0.1.0", "", NULL}; *v; v++) {
		assert_null(print_at(&res, *v, &err));
		assert_int_equal(err.code, CNI_ERR_INTERNAL);
		assert_string_equal(err.msg, "cannot convert: no valid IP addresses");
	}
	assert_prints(
	    &res, "1.0.0",
	    "{\n    \"cniVersion\": \"1.0.0\",\n    \"interfaces\": [\n        {\n"
	    "            \"mac\": \"aa:bb:cc:dd:ee:ff\",\n            \"name\": \"cni0\"\n"
	    "        },\n        {\n            \"name\": \"eth0\",\n            \"sandbox\": "
	    "\"/run/netns/x\"\n        }\n    ]\n}");
	assert_prints(
	    &res, "0.3.0",
	    "{\n    \"cniVersion\": \"0.3.0\",\n    \"dns\": {},\n    \"interfaces\": [\n"
	    "        {\n            \"mac\": \"aa:bb:cc:dd:ee:ff\",\n            \"name\": "
	    "\"cni0\"\n        },\n        {\n            \"name\": \"eth0\",\n"
	    "            \"sandbox\": \"/run/netns/x\"\n        }\n    ]\n}");
	assert_null(print_at(&res, "2.0.0", &err));
	assert_int_equal(err.code, CNI_ERR_VERSION);
	cni_result_free(&res);
}

static void test_empty_result(void **state)
{
	(void)state;
	struct cni_result res = {0};
	assert_prints(&res, "1.1.0", "{\n    \"cniVersion\": \"1.1.0\"\n}");
	assert_prints(&res, "0.4.0", "{\n    \"cniVersion\": \"0.4.0\",\n    \"dns\": {}\n}");
}

static void test_go_decoder_quirks(void **state)
{
	(void)state;
	struct cni_result res;
	/* Case-insensitive keys, the last duplicate wins, null keeps the default. */
	parse_ok("{\"CNIVERSION\":\"1.0.0\",\"IPs\":[{\"Address\":\"10.0.0.9/8\",\"address\":"
		 "\"10.0.0.2/8\",\"Gateway\":null,\"interface\":null}],\"dns\":null}",
		 NULL, &res);
	assert_int_equal(res.n_ips, 1);
	assert_false(res.ips[0].has_gateway);
	assert_int_equal(res.ips[0].iface, -1);
	assert_prints(&res, "1.0.0",
		      "{\n    \"cniVersion\": \"1.0.0\",\n    \"ips\": [\n        {\n"
		      "            \"address\": \"10.0.0.2/8\"\n        }\n    ]\n}");
	cni_result_free(&res);
	/* An index past the interfaces is kept, as Go does. */
	parse_ok(
	    "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/8\",\"interface\":7}]}",
	    NULL, &res);
	assert_int_equal(res.ips[0].iface, 7);
	cni_result_free(&res);
}

static void test_parse_errors_name_the_value(void **state)
{
	(void)state;
	struct cni_err err;
	assert_int_equal(
	    parse_err("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2\"}]}", &err),
	    CNI_ERR_DECODE);
	assert_string_equal(err.msg, "ips[0]: \"address\": invalid CIDR address: 10.0.0.2");
	parse_err(
	    "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/8\",\"interface\":\"1\"}]}",
	    &err);
	assert_string_equal(err.msg, "ips[0]: \"interface\": expected an integer, got a string");
	parse_err(
	    "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/8\",\"interface\":1.0}]}",
	    &err);
	assert_int_equal(err.code, CNI_ERR_DECODE);
	parse_err("{\"cniVersion\":\"1.0.0\",\"routes\":[{\"dst\":\"10.0.0.0/8\",\"gw\":\"x\"}]}",
		  &err);
	assert_string_equal(err.msg, "routes[0]: \"gw\": invalid IP address: x");
	parse_err("{\"cniVersion\":\"1.0.0\",\"routes\":[{\"gw\":\"10.0.0.1\"}]}", &err);
	assert_string_equal(err.msg, "routes[0]: \"dst\" is missing");
	parse_err("{\"cniVersion\":\"1.0.0\",\"interfaces\":{}}", &err);
	assert_string_equal(err.msg, "\"interfaces\": expected an array, got an object");
	parse_err("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"300.0.0.1/8\"}}", &err);
	assert_string_equal(err.msg, "ip4: \"ip\": invalid CIDR address: 300.0.0.1/8");
	parse_err("{\"cniVersion\":\"1.0.0\",\"dns\":{\"nameservers\":[1]}}", &err);
	assert_string_equal(err.msg, "\"nameservers\"[0]: expected a string, got a number");
	assert_int_equal(parse_err("{\"cniVersion\":\"0.5.0\"}", &err), CNI_ERR_VERSION);
	assert_int_equal(parse_err("{\"cniVersion\":1}", &err), CNI_ERR_DECODE);
	struct cni_result res;
	cJSON *arr = cJSON_CreateArray();
	assert_int_equal(cni_result_parse(arr, NULL, &res, &err), -1);
	cJSON_Delete(arr);
}

static void test_copy_is_deep(void **state)
{
	(void)state;
	struct cni_result a, b;
	struct cni_err err = {0};
	parse_ok(full_result_110, NULL, &a);
	assert_int_equal(cni_result_copy(&b, &a, &err), 0);
	cni_result_free(&a);
	assert_prints(&b, "1.1.0", golden[0].json);
	cni_result_free(&b);
}

static void test_dns_helpers(void **state)
{
	(void)state;
	struct cni_err err = {0};
	struct cni_dns d, c;
	const char *text = "{\"nameservers\":[\"10.0.0.1\",\"10.0.0.2\"],\"domain\":\"\","
			   "\"search\":[],\"options\":[\"rotate\"]}";
	cJSON *j = json_parse(text, strlen(text), "dns", &err);
	assert_int_equal(cni_dns_parse(j, &d, &err), 0);
	assert_int_equal(d.n_nameservers, 2);
	assert_null(d.domain);
	assert_int_equal(d.n_search, 0);
	assert_true(cni_dns_is_set(&d));
	assert_int_equal(cni_dns_copy(&c, &d, &err), 0);
	cni_dns_free(&d);
	assert_string_equal(c.nameservers[1], "10.0.0.2");
	assert_string_equal(c.options[0], "rotate");
	cni_dns_free(&c);
	assert_false(cni_dns_is_set(&c));
	cJSON_Delete(j);
	assert_int_equal(cni_dns_parse(NULL, &d, &err), 0);
	assert_false(cni_dns_is_set(&d));
}

static void test_builders(void **state)
{
	(void)state;
	struct cni_result res = {0};
	struct cni_err err = {0};
	struct cni_ipconf ip = {.iface = 0, .has_gateway = true};
	struct cni_route r = {.has_gw = true, .has_table = true, .table = 0};
	cni_ipnet_parse("10.22.0.3/16", &ip.address);
	cni_ip_parse("10.22.0.1", &ip.gateway);
	cni_ipnet_parse("10.30.0.0/16", &r.dst);
	cni_ip_parse("10.22.0.1", &r.gw);
	assert_int_equal(
	    cni_result_add_iface(&res, "eth0", "aa:aa:aa:aa:aa:aa", "/proc/1/ns/net", &err), 0);
	assert_int_equal(cni_result_add_ip(&res, &ip, &err), 0);
	assert_int_equal(cni_result_add_route(&res, &r, &err), 0);
	/* table 0 is printed (a *int in Go, non-nil). */
	assert_prints(
	    &res, "1.1.0",
	    "{\n    \"cniVersion\": \"1.1.0\",\n    \"interfaces\": [\n        {\n"
	    "            \"mac\": \"aa:aa:aa:aa:aa:aa\",\n            \"name\": \"eth0\",\n"
	    "            \"sandbox\": \"/proc/1/ns/net\"\n        }\n    ],\n    \"ips\": [\n"
	    "        {\n            \"address\": \"10.22.0.3/16\",\n            \"gateway\": "
	    "\"10.22.0.1\",\n            \"interface\": 0\n        }\n    ],\n    \"routes\": "
	    "[\n        {\n            \"dst\": \"10.30.0.0/16\",\n            \"gw\": "
	    "\"10.22.0.1\",\n            \"table\": 0\n        }\n    ]\n}");
	cni_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_every_version),
	    cmocka_unit_test(test_golden_reparse_is_stable),
	    cmocka_unit_test(test_legacy_parses_into_1x),
	    cmocka_unit_test(test_040_version_dropped_in_1x),
	    cmocka_unit_test(test_ipam_short_form_and_default_version),
	    cmocka_unit_test(test_020_keeps_first_ip_per_family),
	    cmocka_unit_test(test_l2_result_below_030_fails),
	    cmocka_unit_test(test_empty_result),
	    cmocka_unit_test(test_go_decoder_quirks),
	    cmocka_unit_test(test_parse_errors_name_the_value),
	    cmocka_unit_test(test_copy_is_deep),
	    cmocka_unit_test(test_dns_helpers),
	    cmocka_unit_test(test_builders),
	};
	return cmocka_run_group_tests_name("cni_result", tests, NULL, NULL);
}
