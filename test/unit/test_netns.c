/* lib/netns without a second namespace: open errors, and netns_run into
 * our own netns (root: setns needs CAP_SYS_ADMIN) for value and error
 * pass-through and thread cleanup, so `make test-valgrind` and the ASan
 * build check it. t_netns.sh tests a real second netns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/netns/netns.h"

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_open_missing(void **state)
{
	struct cni_err err = {0};
	struct netns ns;

	(void)state;
	assert_int_equal(netns_open("/nonexistent/netns", &ns, &err), NETNS_ERR_MISSING);
	assert_int_equal(ns.fd, -1);
	assert_string_equal(err.msg,
			    "failed to Statfs \"/nonexistent/netns\": No such file or directory");
}

static void test_open_not_a_namespace(void **state)
{
	char path[] = "/tmp/test_netns.XXXXXX";
	struct cni_err err = {0};
	struct netns ns;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(netns_open(path, &ns, &err), NETNS_ERR_NOT_NS);
	assert_int_equal(ns.fd, -1);
	assert_non_null(strstr(err.msg, "unknown FS magic on \""));
	assert_non_null(strstr(err.msg, path));
	unlink(path);
}

static void test_open_other_namespace_kind(void **state)
{
	struct cni_err err = {0};
	struct netns ns;

	(void)state;
	assert_int_equal(netns_open("/proc/self/ns/uts", &ns, &err), NETNS_ERR_OTHER);
	assert_non_null(strstr(err.msg, "not a network namespace"));
}

static int answer(void *arg, struct cni_err *err)
{
	(void)err;
	return *(int *)arg;
}

static int refuse(void *arg, struct cni_err *err)
{
	(void)arg;
	return cni_err_set(err, CNI_ERR_TRY_AGAIN, "later");
}

static void test_run_own_netns(void **state)
{
	struct cni_err err = {0};
	struct netns ns;
	int v = 7, tasks = count_tasks();

	(void)state;
	assert_int_equal(netns_open("/proc/self/ns/net", &ns, &err), NETNS_OK);
	for (int i = 0; i < 50; i++)
		assert_int_equal(netns_run(&ns, answer, &v, &err), 7);
	assert_int_equal(count_tasks(), tasks);
	assert_int_equal(netns_run(&ns, refuse, NULL, &err), -1);
	assert_int_equal(err.code, CNI_ERR_TRY_AGAIN);
	assert_string_equal(err.msg, "later");
	assert_true(netns_is_current("/proc/self/ns/net"));
	assert_false(netns_is_current("/nonexistent"));
	netns_close(&ns);
	assert_int_equal(ns.fd, -1);
}

static int record_affinity(void *arg, struct cni_err *err)
{
	(void)err;
	return sched_getaffinity(0, sizeof(cpu_set_t), arg);
}

/* The worker is born pinned to the caller's CPU (run.c); both must end
 * with the caller's mask, or a DEL's worker could never move and the
 * caller would stay on one CPU for the rest of the verb. */
static void test_run_keeps_affinity(void **state)
{
	struct cni_err err = {0};
	struct netns ns;
	cpu_set_t before, worker, after;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(before), &before), 0);
	assert_int_equal(netns_open("/proc/self/ns/net", &ns, &err), NETNS_OK);
	for (int i = 0; i < 10; i++) {
		CPU_ZERO(&worker);
		assert_int_equal(netns_run(&ns, record_affinity, &worker, &err), 0);
		assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
		assert_true(CPU_EQUAL(&worker, &before));
		assert_true(CPU_EQUAL(&after, &before));
	}
	netns_close(&ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_missing),
	    cmocka_unit_test(test_open_not_a_namespace),
	    cmocka_unit_test(test_open_other_namespace_kind),
	    cmocka_unit_test(test_run_own_netns),
	    cmocka_unit_test(test_run_keeps_affinity),
	};
	return cmocka_run_group_tests_name("netns", tests, NULL, NULL);
}
