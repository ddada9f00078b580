/* lib/cni against the reference Go binaries (containernetworking-plugins
 * v1.1.1 in /usr/lib/cni, installed by test/deps.sh):
 *   - results: the reference host-local's output at every version it speaks
 *     is parsed and printed back by us at that version and, from its 1.0.0
 *     output, converted down to every version; both must equal the reference
 *     output as JSON (key order aside, since we sort keys);
 *   - errors: for environment and config-name errors, our error JSON must be
 *     byte for byte what the reference bridge prints.
 * Nothing here needs a namespace: host-local only writes its dataDir (a
 * temporary directory) and the error cases fail before any network work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cni/json.h"
#include "lib/cni/result.h"
#include "lib/cni/skel.h"
#include "lib/cni/version.h"

#define REF_DIR "/usr/lib/cni"

/* Runs argv0 with exactly envp and stdin text; returns its stdout (malloc'd)
 * and exit status. */
static char *run_ref(const char *bin, char *const envp[], const char *in, int *status)
{
	int ip[2], op[2];
	if (access(bin, X_OK) != 0)
		fail_msg("%s missing: run test/deps.sh (containernetworking-plugins)", bin);
	if (pipe(ip) < 0 || pipe(op) < 0)
		fail_msg("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(ip[0], 0);
		dup2(op[1], 1);
		close(ip[1]);
		close(op[0]);
		execve(bin, (char *const[]){(char *)bin, NULL}, envp);
		_exit(127);
	}
	close(ip[0]);
	close(op[1]);
	if (write(ip[1], in, strlen(in)) < 0)
		fail_msg("write");
	close(ip[1]);
	size_t cap = 65536, n = 0;
	char *out = malloc(cap);
	ssize_t got;
	while (n + 1 < cap && (got = read(op[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	close(op[0]);
	waitpid(pid, status, 0);
	return out;
}

/* Reference host-local ADD at version v ("" = no cniVersion key). */
static char *ref_ipam_result(const char *v)
{
	char dir[] = "/tmp/cni-ref-XXXXXX", conf[1024], cmd[64];
	if (!mkdtemp(dir))
		fail_msg("mkdtemp");
	char vkey[64] = "";
	if (*v)
		snprintf(vkey, sizeof(vkey), "\"cniVersion\":\"%s\",", v);
	snprintf(
	    conf, sizeof(conf),
	    "{%s\"name\":\"refnet\",\"type\":\"host-local\",\"ipam\":{\"type\":\"host-local\","
	    "\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.9.0.0/24\"}],[{\"subnet\":"
	    "\"fd00:9::/64\",\"gateway\":\"fd00:9::fe\"}]],\"routes\":[{\"dst\":\"0.0.0.0/0\"},"
	    "{\"dst\":\"192.168.7.0/24\",\"gw\":\"10.9.0.254\"},{\"dst\":\"::/0\",\"gw\":"
	    "\"fd00:9::fe\"}]}}",
	    vkey, dir);
	char *envp[] = {"CNI_COMMAND=ADD", "CNI_CONTAINERID=ref1", "CNI_NETNS=/nonexistent",
			"CNI_IFNAME=eth0", "CNI_PATH=" REF_DIR,	   NULL};
	int status;
	char *out = run_ref(REF_DIR "/host-local", envp, conf, &status);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fail_msg("cleanup of %s", dir);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("reference host-local at \"%s\" failed: %s", v, out);
	return out;
}

static cJSON *parse_json(const char *text)
{
	struct cni_err err = {0};
	cJSON *j = json_parse(text, strlen(text), "json", &err);
	if (!j)
		fail_msg("%s: %s", err.msg, text);
	return j;
}

/* Our print of res at v must equal ref_text as JSON. The reference (v1.1.1)
 * still prints "dns": {} for 1.x where newer libraries leave it out. */
static void assert_same_json(const struct cni_result *res, const char *v, const char *ref_text)
{
	struct cni_err err = {0};
	cJSON *ours = cni_result_to_json(res, v, &err);
	if (!ours)
		fail_msg("print at \"%s\": %s", v, err.msg);
	cJSON *ref = parse_json(ref_text);
	cJSON *dns = cJSON_GetObjectItem(ref, "dns");
	if (cni_version_ge(v, "1.0.0") && dns && !dns->child && !cJSON_GetObjectItem(ours, "dns"))
		cJSON_DeleteItemFromObject(ref, "dns");
	if (!cJSON_Compare(ours, ref, 1)) {
		char *a = json_print_go(ours);
		fail_msg("at \"%s\" ours:\n%s\nreference:\n%s", v, a, ref_text);
	}
	cJSON_Delete(ours);
	cJSON_Delete(ref);
}

static const char *const ref_versions[] = {"",	    "0.1.0", "0.2.0", "0.3.0",
					   "0.3.1", "0.4.0", "1.0.0"};
#define N_REF (sizeof(ref_versions) / sizeof(ref_versions[0]))

static void test_reference_results_roundtrip(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REF; i++) {
		const char *v = ref_versions[i];
		char *ref = ref_ipam_result(v);
		cJSON *j = parse_json(ref);
		struct cni_result res;
		struct cni_err err = {0};
		if (cni_result_parse(j, v, &res, &err) != 0)
			fail_msg("parse reference output at \"%s\": %s", v, err.msg);
		assert_same_json(&res, v, ref);
		cni_result_free(&res);
		cJSON_Delete(j);
		free(ref);
	}
}

static void test_reference_conversions_from_100(void **state)
{
	(void)state;
	char *ref100 = ref_ipam_result("1.0.0");
	cJSON *j = parse_json(ref100);
	struct cni_result res;
	struct cni_err err = {0};
	assert_int_equal(cni_result_parse(j, NULL, &res, &err), 0);
	for (size_t i = 0; i < N_REF; i++) {
		char *ref = ref_ipam_result(ref_versions[i]);
		assert_same_json(&res, ref_versions[i], ref);
		free(ref);
	}
	cni_result_free(&res);
	cJSON_Delete(j);
	free(ref100);
}

/* The same environment and stdin through the reference bridge and cni_run. */
static void assert_same_error(const char *const env[], const char *in)
{
	struct cni_env e = {0};
	char *envp[16];
	size_t n = 0;
	for (; env[n]; n++) {
		envp[n] = (char *)env[n];
		const char *val = strchr(env[n], '=') + 1;
		if (!*val)
			val = NULL;
		if (!strncmp(env[n], "CNI_COMMAND=", 12))
			e.command = val;
		else if (!strncmp(env[n], "CNI_CONTAINERID=", 16))
			e.container_id = val;
		else if (!strncmp(env[n], "CNI_NETNS=", 10))
			e.netns = val;
		else if (!strncmp(env[n], "CNI_IFNAME=", 11))
			e.ifname = val;
		else if (!strncmp(env[n], "CNI_PATH=", 9))
			e.path = val;
	}
	envp[n] = NULL;
	int status;
	char *ref = run_ref(REF_DIR "/bridge", envp, in, &status);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);

	static const struct cni_plugin nothing = {.name = "bridge"};
	FILE *fin = tmpfile();
	fputs(in, fin);
	rewind(fin);
	char *ours = NULL;
	size_t len;
	FILE *fout = open_memstream(&ours, &len);
	assert_int_equal(cni_run(&nothing, &e, fin, fout, stderr), 1);
	fclose(fout);
	fclose(fin);
	if (strcmp(ours, ref) != 0)
		fail_msg("env %s...: ours\n%s\nreference\n%s", env[0], ours, ref);
	free(ours);
	free(ref);
}

static void test_reference_env_errors_byte_exact(void **state)
{
	(void)state;
	const char *conf = "{\"name\":\"n\",\"type\":\"bridge\"}";
#define E(...) assert_same_error((const char *const[]){__VA_ARGS__, NULL}, conf)
	E("CNI_COMMAND=ADD");
	E("CNI_COMMAND=ADD", "CNI_CONTAINERID=c", "CNI_IFNAME=eth0");
	E("CNI_COMMAND=ADD", "CNI_CONTAINERID=", "CNI_NETNS=/x", "CNI_IFNAME=eth0", "CNI_PATH=/x");
	E("CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_PATH=/x");
	E("CNI_COMMAND=DEL");
	E("CNI_COMMAND=CHECK", "CNI_NETNS=/x");
	E("CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_IFNAME=eth0/1", "CNI_PATH=/x");
	E("CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_IFNAME=0123456789abcdef", "CNI_PATH=/x");
	E("CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_IFNAME=..", "CNI_PATH=/x");
	E("CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_IFNAME=a b", "CNI_PATH=/x");
	E("CNI_COMMAND=DEL", "CNI_CONTAINERID=-c", "CNI_IFNAME=eth0", "CNI_PATH=/x");
	E("CNI_COMMAND=DEL", "CNI_CONTAINERID=c:1", "CNI_IFNAME=eth0", "CNI_PATH=/x");
#undef E
	const char *del[] = {"CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_IFNAME=eth0",
			     "CNI_PATH=/x", NULL};
	assert_same_error(del, "{\"type\":\"bridge\"}");
	assert_same_error(del, "{\"name\":\"a/b\",\"type\":\"bridge\"}");
	assert_same_error(del, "{\"name\":\"-x\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reference_results_roundtrip),
	    cmocka_unit_test(test_reference_conversions_from_100),
	    cmocka_unit_test(test_reference_env_errors_byte_exact),
	};
	return cmocka_run_group_tests_name("cni_reference", tests, NULL, NULL);
}
