/* plugin/bridge: config parsing, MAC forms and calcGateways (pure code). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lib/cni/json.h"
#include "plugin/bridge/conf.h"
#include "plugin/bridge/steps.h"
#include "plugin/bridge/vlan.h"

/* The conf borrows strings from the tree: keep it until the next parse. */
static cJSON *held;

/* Parses text as the request config; args = CNI_ARGS. Returns the rc. */
static int parse(const char *text, const char *args, struct bridge_conf *c, struct cni_err *err)
{
	struct cni_request req = {.cmd = CNI_CMD_ADD, .version = "1.0.0"};

	cJSON_Delete(held);
	req.env.args = args;
	req.conf = held = json_parse(text, strlen(text), "config", err);
	assert_non_null(req.conf);
	return bridge_conf_parse(&req, c, err);
}

static void expect_code(const char *text, const char *args, unsigned code, const char *msg_part)
{
	struct bridge_conf c;
	struct cni_err err = {0};

	if (parse(text, args, &c, &err) != -1)
		fail_msg("accepted %s", text);
	assert_int_equal(err.code, code);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg_part);
}

static void test_defaults(void **state)
{
	(void)state;
	struct bridge_conf c;
	struct cni_err err = {0};

	assert_int_equal(parse("{\"type\":\"bridge\"}", NULL, &c, &err), 0);
	assert_string_equal(c.bridge, "cni0");
	assert_false(c.is_gw);
	assert_false(c.has_mac);
	assert_null(c.ipam_type);
	assert_int_equal(c.mtu, 0);
	assert_false(c.has_dns);
	assert_false(bridge_vlan_wanted(&c));
	bridge_conf_free(&c);
}

/* Upstream v1.9.1 dnsConfSet: a list given, even empty, counts as set (it
 * replaces the IPAM's DNS); null, an empty object or "" domain do not. */
static void test_dns_set(void **state)
{
	(void)state;
	static const struct {
		const char *dns;
		bool set;
	} cases[] = {
	    {"{\"nameservers\":[]}", true},    {"{\"search\":[]}", true},
	    {"{\"options\":[]}", true},	       {"{\"domain\":\"x\"}", true},
	    {"{\"nameservers\":null}", false}, {"{}", false},
	    {"{\"domain\":\"\"}", false},      {"null", false},
	};
	char text[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bridge_conf c;
		struct cni_err err = {0};
		snprintf(text, sizeof(text), "{\"dns\":%s}", cases[i].dns);
		assert_int_equal(parse(text, NULL, &c, &err), 0);
		if (c.has_dns != cases[i].set)
			fail_msg("dns %s: has_dns %d, want %d", cases[i].dns, c.has_dns,
				 cases[i].set);
		bridge_conf_free(&c);
	}
}

static void test_go_habits(void **state)
{
	(void)state;
	struct bridge_conf c;
	struct cni_err err = {0};

	assert_int_equal(parse("{\"BRIDGE\":\"a\",\"bridge\":\"b\",\"IsDefaultGateway\":true,"
			       "\"mtu\":null,\"future\":[1],\"ipam\":{\"TYPE\":\"host-local\"}}",
			       NULL, &c, &err),
			 0);
	assert_string_equal(c.bridge, "b");
	assert_true(c.is_default_gw);
	assert_true(c.is_gw); /* implied */
	assert_int_equal(c.mtu, 0);
	assert_string_equal(c.ipam_type, "host-local");
	bridge_conf_free(&c);
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_code("{\"isGateway\":\"true\"}", NULL, CNI_ERR_DECODE, "isGateway");
	expect_code("{\"mtu\":1e3}", NULL, CNI_ERR_DECODE, "mtu");
	expect_code("{\"mtu\":70000}", NULL, CNI_ERR_INVALID_CONFIG, "mtu");
	expect_code("{\"vlan\":4095}", NULL, CNI_ERR_INVALID_CONFIG, "invalid VLAN ID 4095");
	expect_code("{\"vlanTrunk\":[{\"minID\":9,\"maxID\":3}]}", NULL, CNI_ERR_INVALID_CONFIG,
		    "vlanTrunk");
	expect_code("{\"vlanTrunk\":[{}]}", NULL, CNI_ERR_INVALID_CONFIG, "vlanTrunk");
	expect_code("{\"hairpinMode\":true,\"promiscMode\":true}", NULL, CNI_ERR_INVALID_CONFIG,
		    "hairpin");
	expect_code("{\"disableContainerInterface\":true,\"ipam\":{\"type\":\"x\"}}", NULL,
		    CNI_ERR_INVALID_CONFIG, "IPAM");
	expect_code("{\"ipMasqBackend\":\"pf\"}", NULL, CNI_ERR_INVALID_CONFIG, "\"pf\"");
	expect_code("{\"bridge\":\"br/0\"}", NULL, CNI_ERR_INVALID_CONFIG, "br/0");
	expect_code("{\"bridge\":\"0123456789abcdef\"}", NULL, CNI_ERR_INVALID_CONFIG, "bridge");
	expect_code("{}", "FOO=1", CNI_ERR_INTERNAL, "unknown args");
	expect_code("{}", "MAC=1", CNI_ERR_INVALID_CONFIG, "CNI_ARGS MAC");
	expect_code("{\"args\":{\"cni\":{\"mac\":\"03:00:00:00:00:01\"}}}", NULL,
		    CNI_ERR_INVALID_CONFIG, "multicast");
	expect_code("{\"runtimeConfig\":{\"mac\":5}}", NULL, CNI_ERR_DECODE, "mac");
}

static bool trunk_bit(const struct bridge_conf *c, unsigned v)
{
	return c->vlan_trunk[v / 8] & (1u << (v % 8));
}

/* The trunk's entries collapse into one VID set, as upstream's
 * collectVlanTrunk; any VLAN key (even an empty vlanTrunk) asks for VLAN
 * filtering. */
static void test_vlan_keys(void **state)
{
	(void)state;
	struct bridge_conf c;
	struct cni_err err = {0};

	assert_int_equal(parse("{\"vlan\":7,\"vlanTrunk\":[{\"id\":5},{\"minID\":4,\"maxID\":6},"
			       "{\"id\":4094}]}",
			       NULL, &c, &err),
			 0);
	assert_int_equal(c.vlan, 7);
	assert_int_equal(c.n_vlan_trunk, 3);
	for (unsigned v = 1; v <= 4094; v++)
		assert_int_equal(trunk_bit(&c, v), (v >= 4 && v <= 6) || v == 4094);
	assert_true(bridge_vlan_wanted(&c));
	assert_int_equal(bridge_vlan_unsupported(&c, &err), -1);
	assert_int_equal(err.code, CNI_ERR_UNSUPPORTED_FIELD);
	if (!strstr(err.msg, "\"vlan\": 7") || !strstr(err.msg, "CONFIG_BRIDGE_VLAN_FILTERING") ||
	    !strstr(err.msg, "8021q"))
		fail_msg("message lacks the key or the kernel features: %s", err.msg);
	bridge_conf_free(&c);

	assert_int_equal(parse("{\"vlanTrunk\":[]}", NULL, &c, &err), 0);
	assert_true(bridge_vlan_wanted(&c));
	assert_int_equal(c.vlan, 0);
	bridge_conf_free(&c);
	assert_int_equal(parse("{\"preserveDefaultVlan\":true}", NULL, &c, &err), 0);
	assert_false(bridge_vlan_wanted(&c));
	bridge_conf_free(&c);
}

static void test_mac_precedence(void **state)
{
	(void)state;
	struct bridge_conf c;
	struct cni_err err = {0};
	const uint8_t a[6] = {2, 0, 0, 0, 0, 0xa}, b[6] = {2, 0, 0, 0, 0, 0xb},
		      r[6] = {2, 0, 0, 0, 0, 0xc};

	assert_int_equal(parse("{}", "MAC=02:00:00:00:00:0a", &c, &err), 0);
	assert_memory_equal(c.mac, a, 6);
	assert_int_equal(parse("{\"args\":{\"cni\":{\"mac\":\"02:00:00:00:00:0b\"}}}",
			       "MAC=02:00:00:00:00:0a", &c, &err),
			 0);
	assert_memory_equal(c.mac, b, 6);
	assert_int_equal(parse("{\"args\":{\"cni\":{\"mac\":\"02:00:00:00:00:0b\"}},"
			       "\"RuntimeConfig\":{\"mac\":\"02:00:00:00:00:0C\"}}",
			       "MAC=02:00:00:00:00:0a", &c, &err),
			 0);
	assert_memory_equal(c.mac, r, 6);
	assert_true(c.has_mac);
}

static void test_mac_forms(void **state)
{
	(void)state;
	uint8_t m[6];
	const uint8_t want[6] = {0x02, 0xab, 0xcd, 0xef, 0x01, 0x23};

	assert_int_equal(bridge_mac_parse("02:ab:cd:ef:01:23", m), 0);
	assert_memory_equal(m, want, 6);
	assert_int_equal(bridge_mac_parse("02-AB-cd-EF-01-23", m), 0);
	assert_memory_equal(m, want, 6);
	assert_int_equal(bridge_mac_parse("02ab.cdef.0123", m), 0);
	assert_memory_equal(m, want, 6);
	assert_int_equal(bridge_mac_parse("02:ab:cd:ef:01", m), -1);
	assert_int_equal(bridge_mac_parse("02:ab-cd:ef:01:23", m), -1);
	assert_int_equal(bridge_mac_parse("+2:ab:cd:ef:01:23", m), -1);
	assert_int_equal(bridge_mac_parse("02:ab:cd:ef:01:2g", m), -1);
	assert_int_equal(bridge_mac_parse("", m), -1);
}

static void ipconf(struct cni_result *r, const char *addr, const char *gw)
{
	struct cni_ipconf ip = {.iface = -1};
	struct cni_err err = {0};

	assert_int_equal(cni_ipnet_parse(addr, &ip.address), 0);
	if (gw) {
		assert_int_equal(cni_ip_parse(gw, &ip.gateway), 0);
		ip.has_gateway = true;
	}
	assert_true(cni_result_add_ip(r, &ip, &err) >= 0);
}

static void route(struct cni_result *r, const char *dst, const char *gw)
{
	struct cni_route rt = {0};
	struct cni_err err = {0};

	assert_int_equal(cni_ipnet_parse(dst, &rt.dst), 0);
	if (gw) {
		assert_int_equal(cni_ip_parse(gw, &rt.gw), 0);
		rt.has_gw = true;
	}
	assert_true(cni_result_add_route(r, &rt, &err) >= 0);
}

static void test_gateways(void **state)
{
	(void)state;
	struct bridge_conf c = {.is_gw = true, .is_default_gw = true};
	struct cni_result r = {0};
	struct bridge_gws gws;
	struct cni_err err = {0};
	char s[CNI_IPNET_STRLEN];

	ipconf(&r, "10.1.2.5/16", NULL);
	ipconf(&r, "fd00::5/64", "fd00::fe");
	route(&r, "::/0", "fd00::fe"); /* IPAM's own v6 default: no second one */
	assert_int_equal(bridge_calc_gateways(&c, &r, 2, &gws, &err), 0);
	assert_int_equal(r.ips[0].iface, 2);
	assert_string_equal(cni_ip_format(&r.ips[0].gateway, s), "10.1.0.1");
	assert_int_equal(gws.n, 2);
	assert_string_equal(cni_ipnet_format(&gws.v[0], s), "10.1.0.1/16");
	assert_string_equal(cni_ipnet_format(&gws.v[1], s), "fd00::fe/64");
	assert_int_equal(r.n_routes, 2);
	assert_string_equal(cni_ipnet_format(&r.routes[1].dst, s), "0.0.0.0/0");
	assert_string_equal(cni_ip_format(&r.routes[1].gw, s), "10.1.0.1");
	cni_result_free(&r);
}

static void test_gateway_default_without_gw(void **state)
{
	(void)state;
	struct bridge_conf c = {.is_gw = true, .is_default_gw = true};
	struct cni_result r = {0};
	struct bridge_gws gws;
	struct cni_err err = {0};

	ipconf(&r, "10.0.0.9/24", "10.0.0.1");
	ipconf(&r, "10.0.1.9/24", "10.0.1.1"); /* second v4: no second default */
	route(&r, "0.0.0.0/0", NULL);	       /* without gw: the bridge adds its own */
	assert_int_equal(bridge_calc_gateways(&c, &r, 2, &gws, &err), 0);
	assert_int_equal(r.n_routes, 2);
	assert_true(r.routes[1].has_gw);
	assert_int_equal(gws.n, 2);
	cni_result_free(&r);
}

static void test_not_gateway(void **state)
{
	(void)state;
	struct bridge_conf c = {0};
	struct cni_result r = {0};
	struct bridge_gws gws;
	struct cni_err err = {0};

	ipconf(&r, "10.0.0.9/24", NULL);
	assert_int_equal(bridge_calc_gateways(&c, &r, 5, &gws, &err), 0);
	assert_false(r.ips[0].has_gateway); /* no fill-in without isGateway */
	assert_int_equal(r.ips[0].iface, 5);
	assert_int_equal(gws.n, 0);
	assert_int_equal(r.n_routes, 0);
	cni_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_go_habits),
	    cmocka_unit_test(test_dns_set),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_vlan_keys),
	    cmocka_unit_test(test_mac_precedence),
	    cmocka_unit_test(test_mac_forms),
	    cmocka_unit_test(test_gateways),
	    cmocka_unit_test(test_gateway_default_without_gw),
	    cmocka_unit_test(test_not_gateway),
	};
	int rc = cmocka_run_group_tests_name("bridge_conf", tests, NULL, NULL);
	cJSON_Delete(held);
	return rc;
}
