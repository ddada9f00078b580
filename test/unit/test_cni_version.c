/* lib/cni/version: the supported list, comparisons, the VERSION reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/cni/version.h"

static void test_supported_list(void **state)
{
	(void)state;
	const char *want[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
	for (int i = 0; i < 7; i++) {
		assert_string_equal(cni_supported_versions[i], want[i]);
		assert_int_equal(cni_version_index(want[i]), i);
	}
	assert_null(cni_supported_versions[7]);
	assert_int_equal(cni_version_index(NULL), 0);
	assert_int_equal(cni_version_index(""), 0);
	assert_int_equal(cni_version_index("1.1"), -1);
	assert_int_equal(cni_version_index("0.5.0"), -1);
	assert_int_equal(cni_version_index("1.1.0 "), -1);
}

static void test_compare(void **state)
{
	(void)state;
	bool ok;
	assert_true(cni_version_cmp("0.4.0", "0.3.1", &ok) > 0 && ok);
	assert_true(cni_version_cmp("0.10.0", "0.9.0", &ok) > 0 && ok);
	assert_true(cni_version_cmp("1.0", "1.0.0", &ok) == 0 && ok);
	assert_true(cni_version_cmp("", "0.1.0", &ok) == 0 && ok);
	assert_true(cni_version_cmp(NULL, "0.2.0", &ok) < 0 && ok);
	cni_version_cmp("1.x.0", "1.0.0", &ok);
	assert_false(ok);
	cni_version_cmp("1.0.0.0", "1.0.0", &ok);
	assert_false(ok);
	assert_true(cni_version_ge("1.1.0", "1.1.0"));
	assert_false(cni_version_ge("1.0.0", "1.1.0"));
	assert_false(cni_version_ge("junk", "0.1.0"));
}

static void test_version_reply_byte_exact(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cni_version_print(f);
	fclose(f);
	assert_string_equal(buf, "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.1.0\","
				 "\"0.2.0\",\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_supported_list),
	    cmocka_unit_test(test_compare),
	    cmocka_unit_test(test_version_reply_byte_exact),
	};
	return cmocka_run_group_tests_name("cni_version", tests, NULL, NULL);
}
