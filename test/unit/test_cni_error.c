/* lib/cni/error: setters, context, and the Go-style error JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cni/error.h"

static char *print_err(const struct cni_err *err, const char *version)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cni_err_print(err, version, f);
	fclose(f);
	return buf;
}

static void test_setters_return_minus_one(void **state)
{
	(void)state;
	struct cni_err err = {0};
	assert_int_equal(cni_err_set(&err, CNI_ERR_ENV, "missing %s", "X"), -1);
	assert_int_equal(err.code, 4);
	assert_string_equal(err.msg, "missing X");
	assert_true(cni_err_isset(&err));
	assert_int_equal(cni_err_details(&err, "d=%d", 7), -1);
	assert_string_equal(err.details, "d=7");
	/* A new error replaces the old details too. */
	cni_err_set(&err, CNI_ERR_IO, "other");
	assert_string_equal(err.details, "");
	cni_err_clear(&err);
	assert_false(cni_err_isset(&err));
	assert_int_equal(cni_err_set(NULL, 1, "ignored"), -1);
	assert_false(cni_err_isset(NULL));
}

static void test_errno_appends_strerror(void **state)
{
	(void)state;
	struct cni_err err = {0};
	assert_int_equal(cni_err_errno(&err, CNI_ERR_INTERNAL, ENOENT, "open %s", "/x"), -1);
	assert_string_equal(err.msg, "open /x: No such file or directory");
	assert_int_equal(err.code, 999);
}

static void test_prefix_keeps_code(void **state)
{
	(void)state;
	struct cni_err err = {0};
	cni_err_set(&err, 11, "busy");
	assert_int_equal(cni_err_prefix(&err, "bridge %s", "cni0"), -1);
	assert_string_equal(err.msg, "bridge cni0: busy");
	assert_int_equal(err.code, 11);
	/* Prefixing an unset error must still report a failure. */
	struct cni_err empty = {0};
	cni_err_prefix(&empty, "ctx");
	assert_int_equal(empty.code, CNI_ERR_INTERNAL);
}

static void test_long_messages_truncate(void **state)
{
	(void)state;
	struct cni_err err = {0};
	char big[3000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cni_err_set(&err, 1, "%s", big);
	assert_int_equal(strlen(err.msg), CNI_ERR_MSG_MAX - 1);
	cni_err_prefix(&err, "ctx");
	assert_int_equal(strlen(err.msg), CNI_ERR_MSG_MAX - 1);
	assert_memory_equal(err.msg, "ctx: aaa", 8);
}

static void test_print_like_go(void **state)
{
	(void)state;
	struct cni_err err = {0};
	cni_err_set(&err, CNI_ERR_ENV, "interface name is too long");
	cni_err_details(&err, "interface name should be less than 16 characters");
	char *s = print_err(&err, NULL);
	assert_string_equal(s, "{\n    \"code\": 4,\n    \"msg\": \"interface name is too long\",\n"
			       "    \"details\": \"interface name should be less than 16 "
			       "characters\"\n}");
	free(s);
	cni_err_set(&err, CNI_ERR_INTERNAL, "ARGS: unknown args [\"FOO=bar\"] <&>");
	s = print_err(&err, "1.0.0");
	assert_string_equal(s, "{\n    \"cniVersion\": \"1.0.0\",\n    \"code\": 999,\n"
			       "    \"msg\": \"ARGS: unknown args [\\\"FOO=bar\\\"] "
			       "\\u003c\\u0026\\u003e\"\n}");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_setters_return_minus_one),
	    cmocka_unit_test(test_errno_appends_strerror),
	    cmocka_unit_test(test_prefix_keeps_code),
	    cmocka_unit_test(test_long_messages_truncate),
	    cmocka_unit_test(test_print_like_go),
	};
	return cmocka_run_group_tests_name("cni_error", tests, NULL, NULL);
}
