/* lib/cni/log: the logFile/logLevel keys and the line format, through
 * cni_log_conf_parse and cni_log_verb on a temporary file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cni/json.h"
#include "lib/cni/log.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_cni_log.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/cni.log", dir);
	return 0;
}

static int teardown(void **state)
{
	char target[160];
	(void)state;
	snprintf(target, sizeof(target), "%s/target", dir);
	unlink(path);
	unlink(target);
	rmdir(dir);
	return 0;
}

static int parse(const char *text, struct cni_log_conf *lc, struct cni_err *err)
{
	cJSON *conf = json_parse(text, strlen(text), "conf", err);
	assert_non_null(conf);
	int rc = cni_log_conf_parse(conf, lc, err);
	/* lc->path is borrowed from conf: copy what the tests look at. */
	static char kept[256];
	if (lc->path) {
		snprintf(kept, sizeof(kept), "%s", lc->path);
		lc->path = kept;
	}
	cJSON_Delete(conf);
	return rc;
}

static void test_keys(void **state)
{
	struct cni_log_conf lc;
	struct cni_err err = {0};
	(void)state;

	assert_int_equal(parse("{}", &lc, &err), 0);
	assert_null(lc.path);
	assert_int_equal(parse("{\"LOGFILE\": \"/x.log\"}", &lc, &err), 0);
	assert_string_equal(lc.path, "/x.log");
	assert_int_equal(lc.level, CNI_LOG_INFO);
	assert_int_equal(parse("{\"logFile\": \"/x\", \"logLevel\": \"Debug\"}", &lc, &err), 0);
	assert_int_equal(lc.level, CNI_LOG_DEBUG);
	assert_int_equal(parse("{\"logLevel\": \"error\"}", &lc, &err), 0);
	assert_null(lc.path);

	assert_int_equal(parse("{\"logFile\": \"x.log\"}", &lc, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(err.msg, "\"x.log\""));
	cni_err_clear(&err);
	assert_int_equal(parse("{\"logFile\": \"/x\", \"logLevel\": \"loud\"}", &lc, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(err.msg, "\"loud\""));
	assert_string_equal(lc.path, "/x"); /* the refusal is still logged */
	assert_int_equal(lc.level, CNI_LOG_ERROR);
	cni_err_clear(&err);
	assert_int_equal(parse("{\"logFile\": true}", &lc, &err), -1);
	assert_int_equal(err.code, CNI_ERR_DECODE);
}

static size_t read_log(char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

static void test_lines(void **state)
{
	struct cni_log_conf lc = {.path = path, .level = CNI_LOG_INFO};
	struct cni_request req = {
	    .env = {.container_id = "c1", .ifname = "eth0", .netns = "/run/netns/x"},
	    .name = "net",
	    .version = "1.0.0",
	};
	struct cni_err err = {0};
	struct timespec start;
	struct stat st;
	char buf[8192];
	(void)state;

	clock_gettime(CLOCK_MONOTONIC, &start);
	cni_log_verb(&lc, "bridge", &req, "ADD", NULL, &start, stderr);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	read_log(buf, sizeof(buf));
	assert_non_null(strstr(buf, "Z bridge ADD net=net id=c1 ifname=eth0 result=ok elapsed="));
	assert_null(strstr(buf, "netns="));
	assert_int_equal(buf[strlen(buf) - 1], '\n');

	/* A message with quotes, a newline and a control byte stays one line. */
	unlink(path);
	cni_err_set(&err, 7, "bad \"x\"\nnext\x01");
	cni_log_verb(&lc, "bridge", &req, "DEL", &err, &start, stderr);
	read_log(buf, sizeof(buf));
	assert_non_null(strstr(buf, " result=error code=7 elapsed="));
	assert_non_null(strstr(buf, " msg=\"bad \\\"x\\\"\\nnext\\x01\"\n"));
	assert_ptr_equal(strchr(buf, '\n'), buf + strlen(buf) - 1);

	/* error level: success is silent; debug adds the request details. */
	unlink(path);
	lc.level = CNI_LOG_ERROR;
	cni_log_verb(&lc, "bridge", &req, "ADD", NULL, &start, stderr);
	assert_int_equal(read_log(buf, sizeof(buf)), 0);
	lc.level = CNI_LOG_DEBUG;
	cni_log_verb(&lc, "host-local", &req, "ADD", NULL, &start, stderr);
	read_log(buf, sizeof(buf));
	assert_non_null(strstr(buf, " cniVersion=1.0.0 netns=/run/netns/x args=- result=ok"));

	/* A huge message is cut: the line is at most 4096 bytes with '\n'. */
	unlink(path);
	memset(err.msg, 'm', sizeof(err.msg) - 1);
	err.msg[sizeof(err.msg) - 1] = '\0';
	for (int i = 0; i < 5; i++)
		cni_log_verb(&lc, "bridge", &req, "ADD", &err, &start, stderr);
	size_t n = read_log(buf, sizeof(buf));
	assert_true(n > 0 && n <= 5 * 4096);
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		assert_true(nl - line + 1 <= 4096);
		line = nl + 1;
	}
}

static void test_symlink_refused(void **state)
{
	struct cni_log_conf lc = {.path = path, .level = CNI_LOG_INFO};
	struct cni_request req = {.name = "net"};
	struct timespec start;
	char target[160], buf[4096] = "";
	(void)state;

	snprintf(target, sizeof(target), "%s/target", dir);
	assert_int_equal(symlink(target, path), 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	FILE *fallback = tmpfile();
	assert_non_null(fallback);
	cni_log_verb(&lc, "bridge", &req, "DEL", NULL, &start, fallback);
	rewind(fallback);
	assert_true(fread(buf, 1, sizeof(buf) - 1, fallback) > 0);
	fclose(fallback);
	assert_non_null(strstr(buf, "cannot append to logFile"));
	assert_non_null(strstr(buf, "it is a symlink"));
	assert_non_null(strstr(buf, " bridge DEL net=net id=- ifname=- result=ok"));
	assert_int_equal(access(target, F_OK), -1);
}

/* The warning path: stderr of the verb and the logFile; notes only from
 * level info; nested scopes (in-process IPAM) and no scope at all. */
static void test_warnings(void **state)
{
	struct cni_log_conf lc = {.path = path, .level = CNI_LOG_ERROR};
	struct cni_request req = {.env = {.container_id = "c1", .ifname = "eth0"}, .name = "net"};
	struct cni_log_scope outer = {.lc = &lc, .plugin = "bridge", .req = &req, .command = "DEL"};
	struct cni_log_scope inner = {
	    .lc = NULL, .plugin = "host-local", .req = &req, .command = "DEL"};
	struct cni_err err = {0};
	char buf[4096] = "", out[4096] = "";
	(void)state;

	outer.stderr_out = tmpfile();
	assert_non_null(outer.stderr_out);
	inner.stderr_out = outer.stderr_out;
	cni_log_enter(&outer);
	cni_warn_err(&err, "not set: no line");
	cni_err_set(&err, 5, "veth busy");
	cni_warn_err(&err, "ADD rollback: deleting veth %s", "veth1");
	cni_note("GC: 2 released"); /* level error: stderr only */
	cni_log_enter(&inner);
	cni_warn("cannot read %s", "last_reserved_ip.0");
	cni_log_leave(&inner);
	cni_log_leave(&outer);
	rewind(outer.stderr_out);
	assert_true(fread(out, 1, sizeof(out) - 1, outer.stderr_out) > 0);
	fclose(outer.stderr_out);
	assert_string_equal(out, "bridge: warning: ADD rollback: deleting veth veth1: veth busy\n"
				 "bridge: GC: 2 released\n"
				 "host-local: warning: cannot read last_reserved_ip.0\n");
	read_log(buf, sizeof(buf));
	assert_non_null(strstr(buf, "Z bridge DEL net=net id=c1 ifname=eth0 result=warning "
				    "msg=\"ADD rollback: deleting veth veth1: veth busy\"\n"));
	assert_null(strstr(buf, "GC: 2"));			    /* notes need level info */
	assert_null(strstr(buf, "host-local"));			    /* its scope has no logFile */
	assert_ptr_equal(strchr(buf, '\n'), buf + strlen(buf) - 1); /* one line */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_warnings, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
