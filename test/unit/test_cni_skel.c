/* lib/cni/skel end to end through cni_run with a fake plugin: environment
 * per verb, stdin, version gating, dispatch, result and error printing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cni/json.h"
#include "lib/cni/skel.h"
#include "lib/cni/version.h"

/* What the fake handlers saw and what they should do. */
static struct {
	int calls[6];
	char version[16];
	char name[64];
	char stdin_copy[256];
	int fail_code; /* -1: return -1 without setting err; >0: that code */
	bool l2_only;
} fake;

static int fake_common(enum cni_cmd cmd, const struct cni_request *req, struct cni_err *err)
{
	fake.calls[cmd]++;
	snprintf(fake.version, sizeof(fake.version), "%s", req->version);
	snprintf(fake.name, sizeof(fake.name), "%s", req->name);
	snprintf(fake.stdin_copy, sizeof(fake.stdin_copy), "%s", req->stdin_buf);
	if (fake.fail_code == -1)
		return -1;
	if (fake.fail_code > 0)
		return cni_err_set(err, (unsigned)fake.fail_code, "fake failure");
	return 0;
}

static int fake_add(const struct cni_request *req, struct cni_result *res, struct cni_err *err)
{
	if (fake_common(CNI_CMD_ADD, req, err) < 0)
		return -1;
	if (cni_result_add_iface(res, "eth0", NULL, req->env.netns, err) < 0)
		return -1;
	if (fake.l2_only)
		return 0;
	struct cni_ipconf ip = {.iface = 0};
	cni_ipnet_parse("10.0.0.2/24", &ip.address);
	return cni_result_add_ip(res, &ip, err) < 0 ? -1 : 0;
}
static int fake_del(const struct cni_request *req, struct cni_err *err)
{
	return fake_common(CNI_CMD_DEL, req, err);
}
static int fake_check(const struct cni_request *req, struct cni_err *err)
{
	return fake_common(CNI_CMD_CHECK, req, err);
}
static int fake_status(const struct cni_request *req, struct cni_err *err)
{
	return fake_common(CNI_CMD_STATUS, req, err);
}
static int fake_gc(const struct cni_request *req, struct cni_err *err)
{
	return fake_common(CNI_CMD_GC, req, err);
}

static const struct cni_plugin plugin = {
    .name = "fake",
    .add = fake_add,
    .del = fake_del,
    .check = fake_check,
    .status = fake_status,
    .gc = fake_gc,
};

struct run {
	int rc;
	char *out, *log;
	long stdin_pos;	 /* how far stdin was read */
	cJSON *err_json; /* out parsed, when rc != 0 */
};

static struct run run(const struct cni_env *env, const char *in_text)
{
	struct run r = {0};
	size_t olen, llen;
	FILE *in = tmpfile();
	fputs(in_text ? in_text : "", in);
	rewind(in);
	FILE *out = open_memstream(&r.out, &olen), *log = open_memstream(&r.log, &llen);
	r.rc = cni_run(&plugin, env, in, out, log);
	r.stdin_pos = ftell(in);
	fclose(in);
	fclose(out);
	fclose(log);
	if (r.rc != 0) {
		struct cni_err err;
		r.err_json = json_parse(r.out, strlen(r.out), "error output", &err);
		if (!r.err_json)
			fail_msg("error output is not JSON: %s", r.out);
	}
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->log);
	cJSON_Delete(r->err_json);
}

static void assert_error(const struct run *r, unsigned code, const char *msg, const char *details)
{
	if (r->rc != 1)
		fail_msg("expected failure, rc=%d out=%s", r->rc, r->out);
	const cJSON *c = cJSON_GetObjectItem(r->err_json, "code");
	const cJSON *m = cJSON_GetObjectItem(r->err_json, "msg");
	const cJSON *d = cJSON_GetObjectItem(r->err_json, "details");
	if (!c || (unsigned)c->valuedouble != code || !m || strcmp(m->valuestring, msg) != 0)
		fail_msg("want %u %s, got %s", code, msg, r->out);
	if (details)
		assert_string_equal(d ? d->valuestring : "(none)", details);
	else
		assert_null(d);
}

#define CONF(v) "{\"cniVersion\":\"" v "\",\"name\":\"net1\",\"type\":\"fake\"}"

static struct cni_env full_env(const char *cmd)
{
	return (struct cni_env){.command = cmd,
				.container_id = "c1",
				.netns = "/run/netns/not-ours",
				.ifname = "eth0",
				.path = "/opt/cni/bin"};
}

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	return 0;
}

static void test_about_text(void **state)
{
	(void)state;
	struct cni_env env = {0};
	struct run r = run(&env, "");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.log, "CNI fake plugin " CNI_PLUGIN_VERSION "\n"
				   "CNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, "
				   "0.4.0, 1.0.0, 1.1.0\n");
	run_free(&r);
	env.command = "";
	env.container_id = "x";
	r = run(&env, "");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.log, "CNI fake plugin"));
	run_free(&r);
}

static void test_version_ignores_env_and_stdin(void **state)
{
	(void)state;
	/* podman probes with dummy values; stdin is garbage and must stay unread. */
	struct cni_env env = {.command = "VERSION",
			      .netns = "dummy",
			      .container_id = "*bad*",
			      .ifname = "way/too/long/for/an/ifname"};
	struct run r = run(&env, "not json at all");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
			    "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.1.0\","
			    "\"0.2.0\",\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}\n");
	assert_int_equal(r.stdin_pos, 0);
	run_free(&r);
}

static void test_unknown_command(void **state)
{
	(void)state;
	struct cni_env env = full_env("add");
	struct run r = run(&env, CONF("1.0.0"));
	assert_error(&r, 4, "unknown CNI_COMMAND: add", NULL);
	run_free(&r);
}

/* Every verb x every variable it requires: leaving that one out (or empty)
 * names exactly it; the others are not demanded. */
static void test_required_env_per_verb(void **state)
{
	(void)state;
	static const struct {
		const char *cmd;
		const char *required[4];
	} table[] = {
	    {"ADD", {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"}},
	    {"CHECK", {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"}},
	    {"DEL", {"CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH", NULL}},
	    {"STATUS", {"CNI_PATH", NULL}},
	    {"GC", {"CNI_PATH", NULL}},
	};
	for (size_t t = 0; t < sizeof(table) / sizeof(table[0]); t++) {
		for (int i = 0; i < 4 && table[t].required[i]; i++) {
			const char *var = table[t].required[i];
			for (int empty = 0; empty < 2; empty++) {
				struct cni_env env = full_env(table[t].cmd);
				const char *gone = empty ? "" : NULL;
				if (!strcmp(var, "CNI_CONTAINERID"))
					env.container_id = gone;
				else if (!strcmp(var, "CNI_NETNS"))
					env.netns = gone;
				else if (!strcmp(var, "CNI_IFNAME"))
					env.ifname = gone;
				else
					env.path = gone;
				char msg[128];
				snprintf(msg, sizeof(msg), "required env variables [%s] missing",
					 var);
				struct run r = run(&env, CONF("1.1.0"));
				assert_error(&r, 4, msg, NULL);
				assert_int_equal(r.stdin_pos, 0); /* env errors come first */
				run_free(&r);
			}
		}
	}
	memset(fake.calls, 0, sizeof(fake.calls));
	/* Not required: DEL without a netns, GC and STATUS with only CNI_PATH. */
	struct cni_env del = full_env("DEL");
	del.netns = NULL;
	struct run r = run(&del, CONF("1.0.0"));
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "");
	run_free(&r);
	struct cni_env gc = {
	    .command = "GC", .path = "/opt/cni/bin", .container_id = "", .ifname = "", .netns = ""};
	r = run(&gc, CONF("1.1.0"));
	assert_int_equal(r.rc, 0);
	run_free(&r);
	/* A malformed attachment list is refused before the handler runs. */
	r = run(&gc, "{\"cniVersion\":\"1.1.0\",\"name\":\"net1\",\"type\":\"fake\","
		     "\"cni.dev/valid-attachments\":{\"containerID\":\"c\"}}");
	assert_error(&r, 6, "\"cni.dev/valid-attachments\": expected an array, got an object",
		     NULL);
	run_free(&r);
	r = run(&gc, "{\"cniVersion\":\"1.1.0\",\"name\":\"net1\",\"type\":\"fake\","
		     "\"cni.dev/attachments\":[\"c\"]}");
	assert_error(&r, 6, "\"cni.dev/attachments\"[0]: expected an object", NULL);
	run_free(&r);
	gc.command = "STATUS";
	r = run(&gc, CONF("1.1.0"));
	assert_int_equal(r.rc, 0);
	run_free(&r);
	assert_int_equal(fake.calls[CNI_CMD_DEL], 1);
	assert_int_equal(fake.calls[CNI_CMD_GC], 1);
	assert_int_equal(fake.calls[CNI_CMD_STATUS], 1);
}

static void test_all_missing_listed_in_go_order(void **state)
{
	(void)state;
	struct cni_env env = {.command = "ADD"};
	struct run r = run(&env, "");
	assert_error(
	    &r, 4, "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing",
	    NULL);
	run_free(&r);
}

static void test_container_id_rules(void **state)
{
	(void)state;
	const char *bad[] = {"bad*id", "-abc", ".abc", "a b", "a/b", "ab\xc3\xa9"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cni_env env = full_env("DEL");
		env.container_id = bad[i];
		struct run r = run(&env, CONF("1.0.0"));
		assert_error(&r, 4, "invalid characters in containerID", bad[i]);
		run_free(&r);
	}
	struct cni_err err = {0};
	assert_int_equal(cni_validate_container_id("A0_b.c-D", &err), 0);
	assert_int_equal(cni_validate_container_id("0", &err), 0);
	assert_int_equal(cni_validate_container_id("", &err), -1);
	assert_string_equal(err.msg, "missing containerID");
}

static void test_ifname_rules(void **state)
{
	(void)state;
	static const struct {
		const char *name, *msg, *details;
	} bad[] = {
	    {"abcdefghijklmnop", "interface name is too long",
	     "interface name should be less than 16 characters"},
	    {".", "interface name is . or ..", NULL},
	    {"..", "interface name is . or ..", NULL},
	    {"a/b", "interface name contains / or : or whitespace characters", NULL},
	    {"eth0:1", "interface name contains / or : or whitespace characters", NULL},
	    {"eth 0", "interface name contains / or : or whitespace characters", NULL},
	    {"eth\t0", "interface name contains / or : or whitespace characters", NULL},
	    {"eth\xc2\xa0"
	     "0",
	     "interface name contains / or : or whitespace characters", NULL},
	    {"e\xe3\x80\x80", "interface name contains / or : or whitespace characters", NULL},
	    {"et\x01h0", "interface name contains control characters", "CNI_IFNAME byte 2 is 0x01"},
	    {"eth0\x7f", "interface name contains control characters", "CNI_IFNAME byte 4 is 0x7f"},
	    {"\x1b[31m", "interface name contains control characters", "CNI_IFNAME byte 0 is 0x1b"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cni_env env = full_env("ADD");
		env.ifname = bad[i].name;
		struct run r = run(&env, CONF("1.0.0"));
		assert_error(&r, 4, bad[i].msg, bad[i].details);
		run_free(&r);
	}
	struct cni_err err = {0};
	assert_int_equal(cni_validate_ifname("abcdefghijklmno", &err), 0); /* 15 bytes */
	assert_int_equal(cni_validate_ifname("...", &err), 0);
	assert_int_equal(cni_validate_ifname("eth\xc3\xa9", &err), 0);
	assert_int_equal(cni_validate_ifname("", &err), -1);
	assert_string_equal(err.msg, "interface name is empty");
	assert_int_equal(fake.calls[CNI_CMD_ADD], 0);
}

static void test_config_decode_and_name(void **state)
{
	(void)state;
	struct cni_env env = full_env("ADD");
	struct run r = run(&env, "{\"name\":\"n\",}");
	assert_error(&r, 6,
		     "error unmarshall network config: invalid character '}' looking for "
		     "beginning of object key string at offset 12",
		     NULL);
	run_free(&r);
	r = run(&env, "");
	assert_error(&r, 6,
		     "error unmarshall network config: unexpected end of JSON input at offset 0",
		     NULL);
	run_free(&r);
	r = run(&env, "[]");
	assert_error(&r, 6, "error unmarshall network config: expected a JSON object", NULL);
	run_free(&r);
	r = run(&env, "{\"cniVersion\":\"1.0.0\"}");
	assert_error(&r, 7, "missing network name", NULL);
	run_free(&r);
	r = run(&env, "{\"cniVersion\":\"1.0.0\",\"name\":\"\"}");
	assert_error(&r, 7, "missing network name", NULL);
	run_free(&r);
	r = run(&env, "{\"cniVersion\":\"1.0.0\",\"name\":\"my net\"}");
	assert_error(&r, 7, "invalid characters found in network name", "my net");
	run_free(&r);
	r = run(&env, "{\"cniVersion\":\"1.0.0\",\"name\":7}");
	assert_error(&r, 6,
		     "error unmarshall network config: \"name\": expected a string, got a number",
		     NULL);
	run_free(&r);
	r = run(&env, "{\"cniVersion\":1,\"name\":\"n\"}");
	assert_error(&r, 6,
		     "decoding version from network config: \"cniVersion\": expected a string, "
		     "got a number",
		     NULL);
	run_free(&r);
	/* Case-insensitive key, as Go's decoder. */
	r = run(&env, "{\"cniVersion\":\"1.0.0\",\"NAME\":\"n2\"}");
	assert_int_equal(r.rc, 0);
	assert_string_equal(fake.name, "n2");
	run_free(&r);
	assert_int_equal(fake.calls[CNI_CMD_ADD], 1);
}

static void test_stdin_size_limit(void **state)
{
	(void)state;
	size_t n = JSON_MAX_INPUT + 10;
	char *big = malloc(n + 1);
	memset(big, ' ', n);
	memcpy(big, CONF("1.0.0"), strlen(CONF("1.0.0")));
	big[n] = '\0';
	struct cni_env env = full_env("ADD");
	struct run r = run(&env, big);
	assert_int_equal(r.rc, 1);
	assert_int_equal(cJSON_GetObjectItem(r.err_json, "code")->valueint, 6);
	assert_non_null(
	    strstr(cJSON_GetObjectItem(r.err_json, "msg")->valuestring, "more than 4194304 bytes"));
	run_free(&r);
	/* Just under the limit (whitespace padding) is fine. */
	big[JSON_MAX_INPUT] = '\0';
	r = run(&env, big);
	assert_int_equal(r.rc, 0);
	run_free(&r);
	free(big);
}

static void test_version_gate(void **state)
{
	(void)state;
	struct cni_env env = full_env("ADD");
	struct run r = run(&env, CONF("0.5.0"));
	assert_error(&r, 1, "incompatible CNI versions",
		     "config is \"0.5.0\", plugin supports [\"0.1.0\" \"0.2.0\" \"0.3.0\" "
		     "\"0.3.1\" \"0.4.0\" \"1.0.0\" \"1.1.0\"]");
	assert_string_equal(cJSON_GetObjectItem(r.err_json, "cniVersion")->valuestring, "0.5.0");
	run_free(&r);
	r = run(&env, CONF("1.1"));
	assert_error(&r, 1, "incompatible CNI versions",
		     "config is \"1.1\", plugin supports [\"0.1.0\" \"0.2.0\" \"0.3.0\" "
		     "\"0.3.1\" \"0.4.0\" \"1.0.0\" \"1.1.0\"]");
	run_free(&r);
	assert_int_equal(fake.calls[CNI_CMD_ADD], 0);

	static const struct {
		const char *cmd, *version;
		bool ok;
	} gate[] = {
	    {"CHECK", "", false},     {"CHECK", "0.3.1", false},  {"CHECK", "0.4.0", true},
	    {"CHECK", "1.1.0", true}, {"GC", "1.0.0", false},	  {"GC", "0.4.0", false},
	    {"GC", "1.1.0", true},    {"STATUS", "1.0.0", false}, {"STATUS", "1.1.0", true},
	    {"DEL", "", true},	      {"DEL", "0.1.0", true},	  {"ADD", "0.2.0", true},
	};
	for (size_t i = 0; i < sizeof(gate) / sizeof(gate[0]); i++) {
		env = full_env(gate[i].cmd);
		char conf[128], msg[64];
		snprintf(conf, sizeof(conf), "{\"cniVersion\":\"%s\",\"name\":\"n\"}",
			 gate[i].version);
		r = run(&env, conf);
		if (gate[i].ok) {
			if (r.rc != 0)
				fail_msg("%s at %s: %s", gate[i].cmd, gate[i].version, r.out);
		} else {
			snprintf(msg, sizeof(msg), "config version does not allow %s", gate[i].cmd);
			assert_error(&r, 1, msg, NULL);
		}
		run_free(&r);
	}
	env = full_env("CHECK");
	r = run(&env, CONF("x.y"));
	assert_int_equal(r.rc, 1);
	assert_int_equal(cJSON_GetObjectItem(r.err_json, "code")->valueint, 6);
	run_free(&r);
}

static void test_request_fields(void **state)
{
	(void)state;
	struct cni_env env = full_env("DEL");
	const char *conf = "{\"name\":\"net1\",\"type\":\"fake\"}";
	struct run r = run(&env, conf);
	assert_int_equal(r.rc, 0);
	assert_string_equal(fake.version, "0.1.0"); /* absent cniVersion */
	assert_string_equal(fake.name, "net1");
	assert_string_equal(fake.stdin_copy, conf);
	run_free(&r);
}

static void test_add_prints_result_at_config_version(void **state)
{
	(void)state;
	struct cni_env env = full_env("ADD");
	struct run r = run(&env, CONF("1.0.0"));
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
			    "{\n    \"cniVersion\": \"1.0.0\",\n    \"interfaces\": [\n"
			    "        {\n            \"name\": \"eth0\",\n            \"sandbox\": "
			    "\"/run/netns/not-ours\"\n        }\n    ],\n    \"ips\": [\n"
			    "        {\n            \"address\": \"10.0.0.2/24\",\n"
			    "            \"interface\": 0\n        }\n    ]\n}");
	run_free(&r);
	r = run(&env, "{\"name\":\"n\"}");
	assert_int_equal(r.rc, 0);
	/* No cniVersion in the config: Go prints 0.1.0. */
	assert_string_equal(r.out, "{\n    \"cniVersion\": \"0.1.0\",\n    \"dns\": {},\n"
				   "    \"ip4\": {\n        \"ip\": \"10.0.0.2/24\"\n    }\n}");
	run_free(&r);
	fake.l2_only = true;
	r = run(&env, CONF("0.2.0"));
	assert_error(&r, 999, "cannot convert: no valid IP addresses", NULL);
	run_free(&r);
}

static void test_handler_errors(void **state)
{
	(void)state;
	struct cni_env env = full_env("DEL");
	fake.fail_code = -1;
	struct run r = run(&env, CONF("1.0.0"));
	assert_error(&r, 999, "DEL failed without saying why", NULL);
	assert_string_equal(cJSON_GetObjectItem(r.err_json, "cniVersion")->valuestring, "1.0.0");
	run_free(&r);
	fake.fail_code = 11; /* an IPAM code passes through unchanged */
	env = full_env("ADD");
	r = run(&env, CONF("0.4.0"));
	assert_error(&r, 11, "fake failure", NULL);
	assert_string_equal(r.out, "{\n    \"cniVersion\": \"0.4.0\",\n    \"code\": 11,\n"
				   "    \"msg\": \"fake failure\"\n}");
	run_free(&r);
	/* Without a cniVersion in the config, the error has none either. */
	r = run(&env, "{\"name\":\"n\"}");
	assert_string_equal(r.out, "{\n    \"code\": 11,\n    \"msg\": \"fake failure\"\n}");
	run_free(&r);
}

static void test_null_handlers_succeed(void **state)
{
	(void)state;
	static const struct cni_plugin bare = {.name = "bare"};
	const char *cmds[] = {"DEL", "CHECK", "GC", "STATUS"};
	for (int i = 0; i < 4; i++) {
		struct cni_env env = full_env(cmds[i]);
		FILE *in = tmpfile();
		fputs(CONF("1.1.0"), in);
		rewind(in);
		char *out = NULL;
		size_t len;
		FILE *o = open_memstream(&out, &len);
		assert_int_equal(cni_run(&bare, &env, in, o, stderr), 0);
		fclose(o);
		fclose(in);
		assert_string_equal(out, "");
		free(out);
	}
}

static void test_own_netns_refused_before_add(void **state)
{
	(void)state;
	struct cni_env env = full_env("ADD");
	env.netns = "/proc/self/ns/net";
	struct run r = run(&env, CONF("1.0.0"));
	assert_error(&r, 8, "plugin's netns and netns from CNI_NETNS should not be the same", NULL);
	assert_int_equal(fake.calls[CNI_CMD_ADD], 0);
	run_free(&r);
	env.command = "CHECK";
	r = run(&env, CONF("1.0.0"));
	assert_error(&r, 8, "plugin's netns and netns from CNI_NETNS should not be the same", NULL);
	run_free(&r);
	const char *overrides[] = {"1", "true", "TRUE"};
	for (int i = 0; i < 3; i++) {
		env.command = "ADD";
		env.netns_override = overrides[i];
		r = run(&env, CONF("1.0.0"));
		assert_int_equal(r.rc, 0);
		run_free(&r);
	}
	env.netns_override = "yes";
	r = run(&env, CONF("1.0.0"));
	assert_int_equal(r.rc, 1);
	run_free(&r);
	/* DEL is not refused: cleaning up must stay possible. */
	env = full_env("DEL");
	env.netns = "/proc/self/ns/net";
	r = run(&env, CONF("1.0.0"));
	assert_int_equal(r.rc, 0);
	run_free(&r);
}

/* cni_main itself: real environment, real fds, in a child process. */
static int main_in_child(const char *const *envp, const char *in_text, char *out, size_t size)
{
	int in_pipe[2], out_pipe[2];
	if (pipe(in_pipe) < 0 || pipe(out_pipe) < 0)
		fail_msg("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in_pipe[0], 0);
		dup2(out_pipe[1], 1);
		close(in_pipe[1]);
		close(out_pipe[0]);
		clearenv();
		for (; *envp; envp++)
			putenv((char *)*envp);
		_exit(cni_main(&plugin));
	}
	close(in_pipe[0]);
	close(out_pipe[1]);
	/* The child may exit on an env error before reading stdin: the write
	 * then fails with EPIPE, which must not kill the test with SIGPIPE. */
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	if (write(in_pipe[1], in_text, strlen(in_text)) < 0 && errno != EPIPE)
		fail_msg("write");
	signal(SIGPIPE, old_pipe);
	close(in_pipe[1]);
	size_t n = 0;
	ssize_t got;
	while (n + 1 < size && (got = read(out_pipe[0], out + n, size - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	close(out_pipe[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_cni_main_reads_the_environment(void **state)
{
	(void)state;
	char out[4096];
	const char *const env_del[] = {"CNI_COMMAND=DEL", "CNI_CONTAINERID=c1",
				       "CNI_IFNAME=eth0", "CNI_PATH=/opt/cni/bin",
				       "CNI_NETNS=",	  NULL};
	assert_int_equal(main_in_child(env_del, CONF("1.0.0"), out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* An empty variable counts as missing. */
	const char *const env_empty[] = {
	    "CNI_COMMAND=ADD", "CNI_CONTAINERID=c1",	 "CNI_IFNAME=eth0",
	    "CNI_PATH=",       "CNI_NETNS=/run/netns/x", NULL};
	assert_int_equal(main_in_child(env_empty, CONF("1.0.0"), out, sizeof(out)), 1);
	assert_string_equal(out, "{\n    \"code\": 4,\n    \"msg\": \"required env variables "
				 "[CNI_PATH] missing\"\n}");
	const char *const env_add[] = {"CNI_COMMAND=ADD",	 "CNI_CONTAINERID=c1",
				       "CNI_IFNAME=eth0",	 "CNI_PATH=/x",
				       "CNI_NETNS=/run/netns/x", NULL};
	assert_int_equal(main_in_child(env_add, CONF("0.2.0"), out, sizeof(out)), 0);
	assert_string_equal(out, "{\n    \"cniVersion\": \"0.2.0\",\n    \"dns\": {},\n"
				 "    \"ip4\": {\n        \"ip\": \"10.0.0.2/24\"\n    }\n}");
}

#define T(f) cmocka_unit_test_setup(f, setup)
int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_about_text),
	    T(test_version_ignores_env_and_stdin),
	    T(test_unknown_command),
	    T(test_required_env_per_verb),
	    T(test_all_missing_listed_in_go_order),
	    T(test_container_id_rules),
	    T(test_ifname_rules),
	    T(test_config_decode_and_name),
	    T(test_stdin_size_limit),
	    T(test_version_gate),
	    T(test_request_fields),
	    T(test_add_prints_result_at_config_version),
	    T(test_handler_errors),
	    T(test_null_handlers_succeed),
	    T(test_own_netns_refused_before_add),
	    T(test_cni_main_reads_the_environment),
	};
	return cmocka_run_group_tests_name("cni_skel", tests, NULL, NULL);
}
