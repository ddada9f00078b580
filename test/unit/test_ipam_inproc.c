/* lib/ipam/inproc: the build-id check that decides "in-process or exec",
 * and an in-process host-local run (result, error, store, no fd left
 * behind), for valgrind and ASan. t_ipam.sh checks the real bridge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ipam/inproc.h"
#include "plugin/host-local/host_local.h"

static char data_dir[64];

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1;
}

static int setup(void **state)
{
	(void)state;
	strcpy(data_dir, "/tmp/test_inproc.XXXXXX");
	return mkdtemp(data_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_build_id(void **state)
{
	unsigned char id[64];
	char script[] = "/tmp/test_inproc_sh.XXXXXX";
	int fd = mkstemp(script);

	(void)state;
	assert_int_equal(ipam_elf_build_id("/proc/self/exe", id, sizeof(id)), 20);
	assert_int_equal(ipam_elf_build_id("/proc/self/exe", id, 4), -1); /* too small */
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(ipam_elf_build_id(script, id, sizeof(id)), -1);
	assert_int_equal(ipam_elf_build_id("/nonexistent", id, sizeof(id)), -1);
	unlink(script);
}

static void test_match_only_the_same_build(void **state)
{
	unsigned char id[64];
	int n = ipam_elf_build_id("/proc/self/exe", id, sizeof(id));
	const struct ipam_inproc table[] = {
	    {.type = "other", .plugin = &host_local_plugin, .build_id = id, .build_id_len = n},
	    {.type = "host-local", .plugin = &host_local_plugin, .build_id = id, .build_id_len = n},
	    {0},
	};

	(void)state;
	unsetenv("CNI_IPAM_NO_INPROC"); /* the suite may run with it set */
	assert_ptr_equal(ipam_inproc_match(table, "host-local", "/proc/self/exe"), &table[1]);
	assert_null(ipam_inproc_match(table, "host-local", "/bin/sh")); /* another build id */
	assert_null(ipam_inproc_match(table, "static", "/proc/self/exe"));
	assert_null(ipam_inproc_match(NULL, "host-local", "/proc/self/exe"));
	setenv("CNI_IPAM_NO_INPROC", "1", 1);
	assert_null(ipam_inproc_match(table, "host-local", "/proc/self/exe"));
	unsetenv("CNI_IPAM_NO_INPROC");
}

static int run(const char *verb, const char *conf, struct ipam_output *o)
{
	static const struct ipam_inproc hl = {.type = "host-local", .plugin = &host_local_plugin};
	struct cni_request req = {.stdin_buf = conf, .stdin_len = strlen(conf)};
	struct cni_err err = {0};

	req.env = (struct cni_env){.container_id = "c1",
				   .netns = "/nonexistent/ns",
				   .ifname = "eth0",
				   .path = "/nonexistent"};
	return ipam_inproc_run(&hl, &req, verb, o, &err);
}

/* The lease file name for the address in an ADD result ("10.66.0.N"). */
static void lease_path(const char *out, char *buf, size_t len)
{
	const char *a = strstr(out, "\"10.66.0.");
	int n = a ? (int)strcspn(a + 1, "/") : 0;

	snprintf(buf, len, "%s/n1/%.*s", data_dir, n, a ? a + 1 : "none");
}

/* Round robin: each ADD takes the next address, so the lease is looked up
 * from the result. 20 ADD+DEL rounds must leave no fd behind (a leaked lock
 * fd would deadlock the bridge's rollback DEL after an in-process ADD). */
static void test_host_local_in_process(void **state)
{
	char conf[512], lease[256];
	struct ipam_output o;
	struct stat st;
	int fds = count_fds();

	(void)state;
	snprintf(conf, sizeof(conf),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"ipam\":{\"type\":\"host-local\","
		 "\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.66.0.0/24\"}]]}}",
		 data_dir);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(run("ADD", conf, &o), 0);
		assert_true(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0);
		assert_non_null(strstr(o.out, "\"address\": \"10.66.0."));
		assert_int_equal(o.err_len, 0);
		lease_path(o.out, lease, sizeof(lease));
		ipam_output_free(&o);
		assert_int_equal(stat(lease, &st), 0);
		assert_int_equal(run("DEL", conf, &o), 0);
		assert_int_equal(o.status, 0);
		assert_int_equal(o.out_len, 0);
		ipam_output_free(&o);
		assert_int_not_equal(stat(lease, &st), 0);
	}
	assert_int_equal(count_fds(), fds);
}

static void test_error_is_a_child_error(void **state)
{
	struct ipam_output o;

	(void)state;
	assert_int_equal(run("ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"ipam\":{}}", &o),
			 0);
	assert_true(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 1);
	assert_non_null(strstr(o.out, "\"code\""));
	ipam_output_free(&o);
	assert_int_equal(run("ADD", "", &o), 0); /* empty stdin: an error, not a crash */
	assert_int_equal(WEXITSTATUS(o.status), 1);
	ipam_output_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_id),
	    cmocka_unit_test(test_match_only_the_same_build),
	    cmocka_unit_test(test_host_local_in_process),
	    cmocka_unit_test(test_error_is_a_child_error),
	};
	return cmocka_run_group_tests_name("ipam_inproc", tests, setup, teardown);
}
