/* lib/cni/args: CNI_ARGS with Go types.LoadArgs' strictness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lib/cni/args.h"

static const char *const bridge_keys[] = {"MAC", NULL};

static void expect_error(const char *s, const char *msg)
{
	struct cni_args a;
	struct cni_err err = {0};
	if (cni_args_parse(s, bridge_keys, &a, &err) != -1)
		fail_msg("accepted %s", s);
	assert_int_equal(err.code, CNI_ERR_INTERNAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(a.n, 0);
	assert_null(a.kv);
}

static void test_empty_is_no_args(void **state)
{
	(void)state;
	struct cni_args a;
	struct cni_err err = {0};
	assert_int_equal(cni_args_parse(NULL, bridge_keys, &a, &err), 0);
	assert_int_equal(a.n, 0);
	assert_int_equal(cni_args_parse("", bridge_keys, &a, &err), 0);
	assert_null(cni_args_get(&a, "MAC"));
	cni_args_free(&a);
}

static void test_known_keys_case_sensitive(void **state)
{
	(void)state;
	struct cni_args a;
	struct cni_err err = {0};
	assert_int_equal(cni_args_parse("MAC=aa:bb;MAC=cc:dd", bridge_keys, &a, &err), 0);
	assert_string_equal(cni_args_get(&a, "MAC"), "cc:dd"); /* last wins */
	assert_false(a.ignore_unknown);
	cni_args_free(&a);
	expect_error("mac=aa", "ARGS: unknown args [\"mac=aa\"]");
}

static void test_invalid_pairs(void **state)
{
	(void)state;
	expect_error("MAC=a;", "ARGS: invalid pair \"\"");
	expect_error("MAC", "ARGS: invalid pair \"MAC\"");
	expect_error("MAC=a=b", "ARGS: invalid pair \"MAC=a=b\"");
	expect_error("MAC=a;;IgnoreUnknown=1", "ARGS: invalid pair \"\"");
	/* An invalid pair wins over unknown keys seen before it. */
	expect_error("FOO=bar;oops", "ARGS: invalid pair \"oops\"");
	expect_error("A=\"x\"", "ARGS: unknown args [\"A=\\\"x\\\"\"]");
}

static void test_unknown_listed_in_order(void **state)
{
	(void)state;
	expect_error("FOO=bar;MAC=x;K8S_POD_NAME=p",
		     "ARGS: unknown args [\"FOO=bar\" \"K8S_POD_NAME=p\"]");
	expect_error("IP=10.0.0.2", "ARGS: unknown args [\"IP=10.0.0.2\"]");
}

static void test_ignore_unknown(void **state)
{
	(void)state;
	const char *yes[] = {"IgnoreUnknown=1;FOO=bar", "FOO=bar;IgnoreUnknown=TRUE",
			     "IgnoreUnknown=true;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;MAC=x"};
	for (size_t i = 0; i < 3; i++) {
		struct cni_args a;
		struct cni_err err = {0};
		if (cni_args_parse(yes[i], bridge_keys, &a, &err) != 0)
			fail_msg("%s: %s", yes[i], err.msg);
		assert_true(a.ignore_unknown);
		cni_args_free(&a);
	}
	struct cni_args a;
	struct cni_err err = {0};
	assert_int_equal(cni_args_parse("IgnoreUnknown=1;MAC=x", bridge_keys, &a, &err), 0);
	assert_string_equal(cni_args_get(&a, "MAC"), "x");
	assert_string_equal(cni_args_get(&a, "IgnoreUnknown"), "1");
	cni_args_free(&a);
	expect_error("IgnoreUnknown=0;FOO=bar", "ARGS: unknown args [\"FOO=bar\"]");
	expect_error("IgnoreUnknown=False;FOO=bar", "ARGS: unknown args [\"FOO=bar\"]");
	/* The last IgnoreUnknown decides. */
	expect_error("IgnoreUnknown=1;FOO=bar;IgnoreUnknown=0", "ARGS: unknown args [\"FOO=bar\"]");
	expect_error("IgnoreUnknown=Yes", "ARGS: error parsing value of pair "
					  "\"IgnoreUnknown=Yes\": boolean unmarshal error: "
					  "invalid input yes");
}

static void test_empty_key_or_value(void **state)
{
	(void)state;
	struct cni_args a;
	struct cni_err err = {0};
	assert_int_equal(cni_args_parse("MAC=", bridge_keys, &a, &err), 0);
	assert_string_equal(cni_args_get(&a, "MAC"), "");
	cni_args_free(&a);
	expect_error("=x", "ARGS: unknown args [\"=x\"]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_is_no_args),
	    cmocka_unit_test(test_known_keys_case_sensitive),
	    cmocka_unit_test(test_invalid_pairs),
	    cmocka_unit_test(test_unknown_listed_in_order),
	    cmocka_unit_test(test_ignore_unknown),
	    cmocka_unit_test(test_empty_key_or_value),
	};
	return cmocka_run_group_tests_name("cni_args", tests, NULL, NULL);
}
