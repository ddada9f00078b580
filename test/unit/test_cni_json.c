/* lib/cni/json: Go decoder strictness, getters and the Go-style printer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cni/json.h"

static cJSON *parse(const char *s, struct cni_err *err)
{
	cni_err_clear(err);
	return json_parse(s, strlen(s), "conf", err);
}

static void assert_rejected(const char *text, const char *msg)
{
	struct cni_err err;
	cJSON *j = parse(text, &err);
	if (j)
		fail_msg("accepted %s", text);
	assert_int_equal(err.code, CNI_ERR_DECODE);
	if (msg && !strstr(err.msg, msg))
		fail_msg("%s: message %s lacks %s", text, err.msg, msg);
}

static void test_rejects_what_go_rejects(void **state)
{
	(void)state;
	assert_rejected("", "unexpected end of JSON input");
	assert_rejected("{\"a\":01}", "after object key:value pair");
	assert_rejected("{\"a\":+1}", "looking for beginning of value");
	assert_rejected("{\"a\":.5}", "looking for beginning of value");
	assert_rejected("{\"a\":1.}", "in numeric literal");
	assert_rejected("{\"a\":1e}", "in numeric literal");
	assert_rejected("{\"a\":\"x\ty\"}", "in string literal");
	assert_rejected("{\"a\":\"\\x\"}", "in string escape code");
	assert_rejected("{\"a\":\"\\u12G4\"}", "hexadecimal character escape");
	assert_rejected("{\"a\":tru}", "in literal true (expecting 'e')");
	assert_rejected("{\"a\":1} x", "after top-level value");
	assert_rejected("{\"a\":1,}", "looking for beginning of object key string");
	assert_rejected("[1,]", "looking for beginning of value");
	assert_rejected("{\"a\" 1}", "after object key");
	assert_rejected("{'a':1}", "'\\''");
	assert_rejected("{\"a\":1", "unexpected end of JSON input");
}

static void test_error_names_offset(void **state)
{
	(void)state;
	struct cni_err err;
	assert_null(parse("{\"a\": x}", &err));
	assert_string_equal(
	    err.msg, "conf: invalid character 'x' looking for beginning of value at offset 6");
}

static void test_depth_limit(void **state)
{
	(void)state;
	size_t n = 600;
	char *s = malloc(2 * n + 1);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	struct cni_err err;
	assert_null(parse(s, &err));
	assert_non_null(strstr(err.msg, "exceeded max depth"));
	free(s);
}

/* A NUL would cut a C string short: "net\u0000x" must not become "net". */
static void test_refuses_nul_escape(void **state)
{
	(void)state;
	struct cni_err err;
	assert_null(parse("{\"name\":\"net\\u0000x\"}", &err));
	assert_int_equal(err.code, CNI_ERR_DECODE);
	assert_string_equal(err.msg, "conf: \\u0000 (NUL) in the string \"net\\u0000 at offset 18");
	assert_null(parse("[\"\\u0000\"]", &err));
	cJSON *j = parse("[\"\\u0001\\u0100\"]", &err);
	assert_non_null(j);
	cJSON_Delete(j);
}

static void test_accepts_valid(void **state)
{
	(void)state;
	struct cni_err err;
	const char *ok[] = {"{}",
			    "[]",
			    " {\"a\" : [1, -0, 0.5, 1e3, 1E-2, true, false, null]} \n",
			    "\"\\u00e9\\n\\/\"",
			    "-12",
			    "{\"\\ud83d\\ude00\":1}"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cJSON *j = parse(ok[i], &err);
		if (!j)
			fail_msg("rejected %s: %s", ok[i], err.msg);
		cJSON_Delete(j);
	}
}

static void test_number_flags_follow_document_order(void **state)
{
	(void)state;
	struct cni_err err;
	cJSON *j = parse("{\"a\":1,\"b\":[2.0,{\"c\":3,\"c\":4e0}],\"d\":5,"
			 "\"e\":99999999999999999999}",
			 &err);
	assert_non_null(j);
	cJSON *a = cJSON_GetObjectItem(j, "a");
	cJSON *b = cJSON_GetObjectItem(j, "b");
	cJSON *c1 = b->child->next->child, *c2 = c1->next;
	assert_true(cJSON_IsNumber(a));
	assert_false(json_number_flags(a) & JSON_NONINTEGER_LITERAL);
	/* The flags leave cJSON's type alone. */
	assert_int_equal(b->child->type, cJSON_Number);
	assert_int_equal(cJSON_GetObjectItem(j, "e")->type, cJSON_Number);
	assert_true(json_number_flags(b->child) & JSON_NONINTEGER_LITERAL);
	assert_false(json_number_flags(c1) & JSON_NONINTEGER_LITERAL);
	assert_true(json_number_flags(c2) & JSON_NONINTEGER_LITERAL);
	assert_false(json_number_flags(cJSON_GetObjectItem(j, "d")) & JSON_NONINTEGER_LITERAL);
	assert_true(json_number_flags(cJSON_GetObjectItem(j, "e")) & JSON_INT_OUT_OF_RANGE);
	assert_int_equal(cJSON_GetObjectItem(j, "d")->valueint, 5); /* cJSON's, untouched */
	cJSON_Delete(j);
	/* the flag code never collides with the int cJSON keeps */
	j = parse("[-2147483647.0, -2147483647, -2147483643.0, 1]", &err);
	assert_non_null(j);
	assert_int_equal(json_number_flags(j->child), JSON_NONINTEGER_LITERAL);
	assert_int_equal(json_number_flags(j->child->next), 0);
	assert_int_equal(json_number_flags(j->child->next->next), JSON_NONINTEGER_LITERAL);
	assert_int_equal(json_number_flags(j->child->next->next->next), 0);
	cJSON_Delete(j);
	cJSON *built = cJSON_CreateNumber(-2147483647);
	assert_int_equal(json_number_flags(built), 0);
	cJSON_Delete(built);
}

static void test_get_case_insensitive_last_wins_null_skipped(void **state)
{
	(void)state;
	struct cni_err err;
	cJSON *j =
	    parse("{\"Bridge\":\"a\",\"BRIDGE\":\"b\",\"mtu\":5,\"MTU\":null,\"x\":null}", &err);
	const char *s = NULL;
	assert_int_equal(json_get_string(j, "bridge", &s, &err), 0);
	assert_string_equal(s, "b");
	long long mtu = 0;
	assert_int_equal(json_get_int(j, "mtu", &mtu, &err), 0);
	assert_int_equal(mtu, 5);
	assert_null(json_get(j, "x"));
	assert_null(json_get(j, "missing"));
	assert_null(json_get(NULL, "x"));
	bool b = true;
	assert_int_equal(json_get_bool(j, "x", &b, &err), 0);
	assert_true(b); /* null keeps the default */
	cJSON_Delete(j);
}

static void test_typed_getters_refuse_mismatch(void **state)
{
	(void)state;
	struct cni_err err;
	cJSON *j = parse("{\"isGateway\":\"true\",\"mtu\":1500.0,\"m2\":1e3,\"n\":\"x\","
			 "\"o\":[],\"a\":{},\"big\":9223372036854775808,\"neg\":-7}",
			 &err);
	bool b;
	long long n;
	const char *s;
	const cJSON *o;
	assert_int_equal(json_get_bool(j, "isGateway", &b, &err), -1);
	assert_int_equal(err.code, CNI_ERR_DECODE);
	assert_string_equal(err.msg, "\"isGateway\": expected a bool, got a string");
	assert_int_equal(json_get_int(j, "mtu", &n, &err), -1);
	assert_non_null(strstr(err.msg, "\"mtu\": expected an integer"));
	assert_int_equal(json_get_int(j, "m2", &n, &err), -1);
	assert_int_equal(json_get_int(j, "n", &n, &err), -1);
	assert_string_equal(err.msg, "\"n\": expected an integer, got a string");
	assert_int_equal(json_get_int(j, "big", &n, &err), -1);
	assert_non_null(strstr(err.msg, "out of range"));
	assert_int_equal(json_get_int(j, "neg", &n, &err), 0);
	assert_int_equal(n, -7);
	assert_int_equal(json_get_string(j, "mtu", &s, &err), -1);
	assert_string_equal(err.msg, "\"mtu\": expected a string, got a number");
	assert_int_equal(json_get_object(j, "o", &o, &err), -1);
	assert_string_equal(err.msg, "\"o\": expected an object, got an array");
	assert_int_equal(json_get_array(j, "a", &o, &err), -1);
	assert_int_equal(json_get_array(j, "o", &o, &err), 0);
	assert_true(cJSON_IsArray(o));
	cJSON_Delete(j);
}

static void assert_prints(const char *in, const char *pretty, const char *compact)
{
	struct cni_err err;
	cJSON *j = parse(in, &err);
	if (!j)
		fail_msg("parse %s: %s", in, err.msg);
	char *p = json_print_go(j), *c = json_print_compact(j);
	assert_string_equal(p, pretty);
	assert_string_equal(c, compact);
	free(p);
	free(c);
	cJSON_Delete(j);
}

static void test_print_go_layout(void **state)
{
	(void)state;
	assert_prints("{}", "{}", "{}");
	assert_prints("[]", "[]", "[]");
	assert_prints("{\"a\":{},\"b\":[],\"c\":[1,\"x\"],\"d\":{\"e\":null,\"f\":true}}",
		      "{\n    \"a\": {},\n    \"b\": [],\n    \"c\": [\n        1,\n        \"x\"\n"
		      "    ],\n    \"d\": {\n        \"e\": null,\n        \"f\": true\n    }\n}",
		      "{\"a\":{},\"b\":[],\"c\":[1,\"x\"],\"d\":{\"e\":null,\"f\":true}}");
}

static void test_print_go_strings(void **state)
{
	(void)state;
	assert_prints("\"<a>&\\\"\\\\\\n\\t\\r\\b\\f\\u0001\\u2028\\u00e9/\"",
		      "\"\\u003ca\\u003e\\u0026\\\"\\\\\\n\\t\\r\\b\\f\\u0001\\u2028\xc3\xa9/\"",
		      "\"\\u003ca\\u003e\\u0026\\\"\\\\\\n\\t\\r\\b\\f\\u0001\\u2028\xc3\xa9/\"");
	/* Invalid UTF-8 (only reachable by building a tree by hand). */
	cJSON *s = cJSON_CreateString("a\xff"
				      "b");
	char *p = json_print_go(s);
	assert_string_equal(p, "\"a\\ufffdb\"");
	free(p);
	cJSON_Delete(s);
}

/* Every number we print is an integer (codes, MTUs); anything else gets
 * %.17g, valid JSON that reads back to the same double. */
static void test_print_go_numbers(void **state)
{
	(void)state;
	assert_prints("[1500, 1500.0, -3, 4294967295, 9007199254740991, 0, -0, 0.5]",
		      "[\n    1500,\n    1500,\n    -3,\n    4294967295,\n    9007199254740991,\n"
		      "    0,\n    -0,\n    0.5\n]",
		      "[1500,1500,-3,4294967295,9007199254740991,0,-0,0.5]");
}

static void test_as_helpers_name_the_item(void **state)
{
	(void)state;
	struct cni_err err;
	cJSON *j = parse("[\"a\", 2]", &err);
	long long n;
	const char *s;
	assert_int_equal(json_as_int(j->child, "ranges[0]", &n, &err), -1);
	assert_string_equal(err.msg, "ranges[0]: expected an integer, got a string");
	assert_int_equal(json_as_string(j->child->next, "x[1]", &s, &err), -1);
	assert_string_equal(err.msg, "x[1]: expected a string, got a number");
	assert_int_equal(json_as_string(j->child, "x", &s, &err), 0);
	assert_string_equal(s, "a");
	cJSON_Delete(j);
	/* Trees built in code carry no literal flags: the value decides. */
	cJSON *half = cJSON_CreateNumber(1.5), *whole = cJSON_CreateNumber(42);
	assert_int_equal(json_as_int(half, "n", &n, &err), -1);
	assert_string_equal(err.msg, "n: expected an integer, got 1.5");
	assert_int_equal(json_as_int(whole, "n", &n, &err), 0);
	assert_int_equal(n, 42);
	cJSON_Delete(half);
	cJSON_Delete(whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rejects_what_go_rejects),
	    cmocka_unit_test(test_error_names_offset),
	    cmocka_unit_test(test_depth_limit),
	    cmocka_unit_test(test_refuses_nul_escape),
	    cmocka_unit_test(test_accepts_valid),
	    cmocka_unit_test(test_number_flags_follow_document_order),
	    cmocka_unit_test(test_get_case_insensitive_last_wins_null_skipped),
	    cmocka_unit_test(test_typed_getters_refuse_mismatch),
	    cmocka_unit_test(test_print_go_layout),
	    cmocka_unit_test(test_print_go_strings),
	    cmocka_unit_test(test_print_go_numbers),
	    cmocka_unit_test(test_as_helpers_name_the_item),
	};
	return cmocka_run_group_tests_name("cni_json", tests, NULL, NULL);
}
