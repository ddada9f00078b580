/* lib/ipam without namespaces: finding the plugin and the exec paths that
 * matter for memory (results, errors, big stdin), so that `make
 * test-valgrind` and the ASan build check them. t_ipam.sh covers the rest
 * (fds, env, timeouts, ETXTBSY, the reference host-local). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/ipam/ipam.h"

static char dir1[64], dir2[64], cni_path[160];

static void write_file(const char *dir, const char *name, const char *body, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(body, f);
	fclose(f);
	chmod(path, mode);
}

static void rm_tree(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir1, "/tmp/test_ipam1.XXXXXX");
	strcpy(dir2, "/tmp/test_ipam2.XXXXXX");
	if (!mkdtemp(dir1) || !mkdtemp(dir2))
		return -1;
	snprintf(cni_path, sizeof(cni_path), "%s:%s", dir1, dir2);
	write_file(dir2, "both", "#!/bin/sh\nexit 0\n", 0755);
	write_file(dir1, "both", "#!/bin/sh\nexit 0\n", 0755);
	write_file(dir2, "second", "#!/bin/sh\nexit 0\n", 0755);
	write_file(dir1, "ok",
		   "#!/bin/sh\ncat >/dev/null\n"
		   "echo '{\"ips\":[{\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\"}]}'\n",
		   0755);
	write_file(
	    dir1, "err7",
	    "#!/bin/sh\necho '{\"code\":7,\"msg\":\"bad range\",\"details\":\"d\"}'; exit 1\n",
	    0755);
	write_file(dir1, "garbage", "#!/bin/sh\necho garbage; exit 1\n", 0755);
	write_file(dir1, "stderr", "#!/bin/sh\necho oops >&2; exit 2\n", 0755);
	write_file(dir1, "noread", "#!/bin/sh\nexit 0\n", 0755);
	write_file(dir1, "noexec", "#!/bin/sh\nexit 0\n", 0644);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(dir1);
	rm_tree(dir2);
	return 0;
}

static struct cni_request request(const char *conf)
{
	struct cni_request req = {.cmd = CNI_CMD_ADD, .version = "0.4.0"};

	req.env.path = cni_path;
	req.stdin_buf = conf;
	req.stdin_len = strlen(conf);
	return req;
}

static void test_find(void **state)
{
	char buf[PATH_MAX], want[PATH_MAX];
	struct cni_err err = {0};

	(void)state;
	assert_int_equal(ipam_find("both", cni_path, buf, sizeof(buf), &err), 0);
	snprintf(want, sizeof(want), "%s/both", dir1);
	assert_string_equal(buf, want);
	assert_int_equal(ipam_find("second", cni_path, buf, sizeof(buf), &err), 0);
	snprintf(want, sizeof(want), "%s/second", dir2);
	assert_string_equal(buf, want);
	assert_int_equal(ipam_find("none", cni_path, buf, sizeof(buf), &err), -1);
	snprintf(want, sizeof(want), "failed to find plugin \"none\" in path [%s %s]", dir1, dir2);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, 999);
	assert_int_equal(ipam_find("../x", cni_path, buf, sizeof(buf), &err), -1);
	assert_string_equal(err.msg, "invalid plugin name: ../x");
	assert_int_equal(ipam_find("", cni_path, buf, sizeof(buf), &err), -1);
	assert_string_equal(err.msg, "no plugin name provided");
	assert_int_equal(ipam_find("ok", NULL, buf, sizeof(buf), &err), -1);
	assert_string_equal(err.msg, "no paths provided");
}

static void test_add_result_takes_config_version(void **state)
{
	struct cni_request req = request("{\"cniVersion\":\"0.4.0\",\"name\":\"n\"}");
	struct cni_result res = {0};
	struct cni_err err = {0};

	(void)state;
	assert_int_equal(ipam_exec_add(&req, "ok", &res, &err), 0);
	assert_int_equal(res.n_ips, 1);
	assert_int_equal(res.ips[0].address.prefix, 16);
	assert_true(res.ips[0].has_gateway);
	cni_result_free(&res);
}

static void test_error_passes_through(void **state)
{
	struct cni_request req = request("{}");
	struct cni_err err = {0};

	(void)state;
	assert_int_equal(ipam_exec_del(&req, "err7", &err), -1);
	assert_int_equal(err.code, 7);
	assert_string_equal(err.msg, "bad range");
	assert_string_equal(err.details, "d");
}

static void test_go_messages(void **state)
{
	struct cni_request req = request("{}");
	struct cni_err err = {0};
	char want[PATH_MAX + 100];

	(void)state;
	assert_int_equal(ipam_exec_check(&req, "garbage", &err), -1);
	assert_int_equal(err.code, 999);
	assert_non_null(strstr(err.msg, "netplugin failed but error parsing its diagnostic "
					"message \"garbage\\n\": "));
	cni_err_clear(&err);
	assert_int_equal(ipam_exec_gc(&req, "stderr", &err), -1);
	assert_string_equal(err.msg, "netplugin failed: \"oops\\n\": exit status 2");
	cni_err_clear(&err);
	assert_int_equal(ipam_exec_status(&req, "noexec", &err), -1);
	snprintf(want, sizeof(want),
		 "netplugin failed with no error message: fork/exec %s/noexec: Permission denied",
		 dir1);
	assert_string_equal(err.msg, want);
}

/* 1 MiB of stdin to a child that reads none of it: EPIPE, not SIGPIPE. */
static void test_unread_big_stdin(void **state)
{
	size_t len = 1u << 20;
	char *conf = malloc(len + 1);
	struct cni_request req;
	struct cni_err err = {0};

	(void)state;
	assert_non_null(conf);
	memset(conf, ' ', len);
	conf[len] = '\0';
	req = request(conf);
	assert_int_equal(ipam_exec_del(&req, "noread", &err), 0);
	free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_add_result_takes_config_version),
	    cmocka_unit_test(test_error_passes_through),
	    cmocka_unit_test(test_go_messages),
	    cmocka_unit_test(test_unread_big_stdin),
	};
	return cmocka_run_group_tests_name("ipam", tests, setup, teardown);
}
