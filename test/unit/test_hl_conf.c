/* plugin/host-local conf.c: where ranges and requested addresses come from,
 * their order, defaults and the reference's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "lib/cni/json.h"
#include "plugin/host-local/conf.h"

/* The parsed config outlives the load: hl_conf borrows strings from it. */
static cJSON *conf_json;

static void done(struct hl_conf *c)
{
	hl_conf_free(c);
	cJSON_Delete(conf_json);
	conf_json = NULL;
}

static int load(const char *json, const char *args, struct hl_conf *c, struct cni_err *err)
{
	struct cni_request req = {.cmd = CNI_CMD_ADD, .name = "net1"};
	memset(err, 0, sizeof(*err));
	req.env.args = args;
	req.conf = json_parse(json, strlen(json), "config", err);
	assert_non_null(req.conf);
	const char *v = "0.1.0";
	json_get_string(req.conf, "cniVersion", &v, NULL);
	req.version = v;
	cJSON_Delete(conf_json);
	conf_json = req.conf;
	return hl_conf_load(&req, c, err);
}

static void refused(const char *json, const char *args, unsigned code, const char *msg)
{
	struct hl_conf c;
	struct cni_err err;
	if (load(json, args, &c, &err) == 0)
		fail_msg("accepted: %s", json);
	cJSON_Delete(conf_json);
	conf_json = NULL;
	assert_int_equal(err.code, code);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("got \"%s\", want \"%s\"", err.msg, msg);
}

static const char *first_subnet(const struct hl_conf *c, size_t set, char *buf)
{
	return cni_ipnet_format(&c->sets[set].r[0].subnet, buf);
}

static void test_range_sources_in_order(void **state)
{
	(void)state;
	struct hl_conf c;
	struct cni_err err;
	char b[CNI_IPNET_STRLEN];
	assert_int_equal(load("{\"cniVersion\":\"1.0.0\",\"name\":\"net1\","
			      "\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.5.0.0/30\"}]]},"
			      "\"ipam\":{\"subnet\":\"10.4.0.0/16\",\"gateway\":\"10.4.0.254\","
			      "\"ranges\":[[{\"subnet\":\"fd00::/64\"}]]}}",
			      NULL, &c, &err),
			 0);
	assert_int_equal(c.n_sets, 3);
	assert_string_equal(first_subnet(&c, 0, b), "10.5.0.0/30");
	assert_string_equal(first_subnet(&c, 1, b), "10.4.0.0/16");
	assert_string_equal(first_subnet(&c, 2, b), "fd00::/64");
	assert_string_equal(cni_ip_format(&c.sets[1].r[0].gateway, b), "10.4.0.254");
	assert_string_equal(c.data_dir, "/var/lib/cni/networks");
	assert_null(c.resolv_conf);
	done(&c);
}

static void test_requested_combined_and_deduplicated(void **state)
{
	(void)state;
	struct hl_conf c;
	struct cni_err err;
	char b[CNI_IPNET_STRLEN];
	assert_int_equal(
	    load("{\"cniVersion\":\"1.0.0\",\"name\":\"net1\","
		 "\"args\":{\"cni\":{\"ips\":[\"10.1.0.7/24\",\"fd00::7\"]}},"
		 "\"runtimeConfig\":{\"ips\":[\"10.1.0.9\",\"10.1.0.7\"]},"
		 "\"ipam\":{\"dataDir\":\"/x\",\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}]]}}",
		 "IgnoreUnknown=1;IP=10.1.0.8;K8S_POD_NAME=p", &c, &err),
	    0);
	assert_int_equal(c.n_requested, 4);
	assert_string_equal(cni_ip_format(&c.requested[0], b), "10.1.0.8");
	assert_string_equal(cni_ip_format(&c.requested[1], b), "10.1.0.7");
	assert_string_equal(cni_ip_format(&c.requested[2], b), "fd00::7");
	assert_string_equal(cni_ip_format(&c.requested[3], b), "10.1.0.9");
	assert_string_equal(c.data_dir, "/x");
	done(&c);
}

static void test_routes_copied(void **state)
{
	(void)state;
	struct hl_conf c;
	struct cni_err err;
	char b[CNI_IPNET_STRLEN];
	assert_int_equal(load("{\"cniVersion\":\"1.1.0\",\"name\":\"net1\",\"ipam\":{"
			      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}]],"
			      "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"10.9.0.0/16\","
			      "\"gw\":\"10.1.0.254\",\"priority\":5}]}}",
			      NULL, &c, &err),
			 0);
	assert_int_equal(c.n_routes, 2);
	assert_string_equal(cni_ipnet_format(&c.routes[1].dst, b), "10.9.0.0/16");
	assert_true(c.routes[1].has_gw);
	assert_int_equal(c.routes[1].priority, 5);
	assert_false(c.routes[0].has_gw);
	done(&c);
}

static void test_errors(void **state)
{
	(void)state;
	refused("{\"cniVersion\":\"1.0.0\",\"name\":\"net1\"}", NULL, 999,
		"IPAM config missing 'ipam' key");
	refused("{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"ipam\":{}}", NULL, 999,
		"no IP ranges specified");
	refused(
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"ipam\":{\"ranges\":[[{\"subnet\":"
	    "\"10.1.0.0/24\"}]]}}",
	    "IP=10.1.0.300", 999,
	    "ARGS: error parsing value of pair \"IP=10.1.0.300\": invalid IP address 10.1.0.300");
	refused("{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"ipam\":{\"ranges\":[[{\"subnet\":"
		"\"10.1.0.0/24\"}]]}}",
		"MAC=aa", 999, "ARGS: unknown args [\"MAC=aa\"]");
	refused("{\"cniVersion\":\"0.2.0\",\"name\":\"net1\",\"ipam\":{\"ranges\":[[{\"subnet\":"
		"\"10.1.0.0/24\"}],[{\"subnet\":\"10.2.0.0/24\"}]]}}",
		NULL, 999, "CNI version 0.2.0 does not support more than 1 address per family");
	refused("{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"ipam\":{\"ranges\":[[{\"subnet\":"
		"\"10.1.0.0/24\"}],[{\"subnet\":\"10.1.0.128/25\"}]]}}",
		NULL, 999, "range set 0 overlaps with 1");
	refused("{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"ipam\":{\"ranges\":[[{\"subnet\":"
		"\"10.1.0.0/24\",\"rangeEnd\":\"10.1.1.0\"}]]}}",
		NULL, 999, "invalid range set 0: RangeEnd 10.1.1.0 not in network 10.1.0.0/24");
	/* a JSON value of the wrong type is a decoding error (code 6) */
	struct hl_conf c;
	struct cni_err err;
	assert_int_equal(load("{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"ipam\":{\"dataDir\":5,"
			      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}]]}}",
			      NULL, &c, &err),
			 -1);
	assert_int_equal(err.code, 6);
	assert_non_null(strstr(err.msg, "dataDir"));
	cJSON_Delete(conf_json);
	conf_json = NULL;
}

static void test_v020_one_per_family_ok(void **state)
{
	(void)state;
	struct hl_conf c;
	struct cni_err err;
	assert_int_equal(load("{\"cniVersion\":\"0.2.0\",\"name\":\"net1\",\"ipam\":{\"ranges\":[["
			      "{\"subnet\":\"10.1.0.0/24\"}],[{\"subnet\":\"fd00::/64\"}]]}}",
			      NULL, &c, &err),
			 0);
	assert_int_equal(c.n_sets, 2);
	done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_sources_in_order),
	    cmocka_unit_test(test_requested_combined_and_deduplicated),
	    cmocka_unit_test(test_routes_copied),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_v020_one_per_family_ok),
	};
	return cmocka_run_group_tests_name("hl_conf", tests, NULL, NULL);
}
