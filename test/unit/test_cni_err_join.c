/* lib/cni/error.c cni_err_join: how GC reports every failure at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lib/cni/error.h"

static void test_join(void **state)
{
	struct cni_err e = {0}, more = {0}, none = {0};
	(void)state;
	assert_int_equal(cni_err_join(&e, &none), 0);
	assert_int_equal(e.code, 0);
	cni_err_set(&more, 5, "nft: EPERM");
	assert_int_equal(cni_err_join(&e, &more), -1);
	assert_int_equal(e.code, 5);
	assert_string_equal(e.msg, "nft: EPERM");
	cni_err_set(&more, 999, "iptables: exit 4");
	assert_int_equal(cni_err_join(&e, &more), -1);
	assert_int_equal(e.code, 5); /* the first failure's code */
	assert_string_equal(e.msg, "nft: EPERM; iptables: exit 4");
	assert_int_equal(cni_err_join(&e, &none), -1);
	assert_int_equal(cni_err_join(&e, NULL), -1);
}

static void test_join_cuts_long_messages(void **state)
{
	struct cni_err e = {0}, more = {0};
	char big[CNI_ERR_MSG_MAX];
	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cni_err_set(&e, 999, "%.1000s", big);
	cni_err_set(&more, 999, "%s", big);
	cni_err_join(&e, &more);
	assert_int_equal(strlen(e.msg), CNI_ERR_MSG_MAX - 1);
	assert_memory_equal(e.msg + 1000, "; x", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_join),
	    cmocka_unit_test(test_join_cuts_long_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
