/* Drives lib/ipam the way the bridge does, for t_ipam.sh and the numbers in
 * the report: builds a cni_request from our environment and stdin, then
 * calls ipam_find or ipam_exec_<verb>.
 *
 * usage: ipam_exec [options] VERB TYPE <config
 *   VERB  find | add | del | check | status | gc
 *   --leak-fds N       open N fds without O_CLOEXEC first (the child must not get them)
 *   --ignore-sigchld   run with SIGCHLD set to SIG_IGN
 *   --sigchld-handler  run with a SIGCHLD handler (no SA_RESTART) that only counts
 *   --repeat N         run the verb N times (add then del for "add") and print the
 *                      mean time per exec as a "# ..." line on stderr
 * Prints the ADD result (at the config's version) or the found path on
 * stdout; on failure the error JSON on stdout and exit status 1. */
#include "lib/cni/json.h"
#include "lib/cni/skel.h"
#include "lib/cni/version.h"
#include "lib/ipam/ipam.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t sigchld_count;

static void on_sigchld(int sig)
{
	(void)sig;
	sigchld_count++;
}

static const char *env_or_null(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static char *read_all(FILE *in, size_t *len)
{
	size_t cap = 4096, n = 0, r;
	char *buf = malloc(cap);

	while (buf && (r = fread(buf + n, 1, cap - n - 1, in)) > 0) {
		n += r;
		if (n + 1 == cap) {
			char *p = realloc(buf, cap *= 2);

			if (!p) {
				free(buf);
				return NULL;
			}
			buf = p;
		}
	}
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int run_verb(const struct cni_request *req, const char *verb, const char *type,
		    struct cni_result *res, struct cni_err *err)
{
	if (!strcmp(verb, "add"))
		return ipam_exec_add(req, type, res, err);
	if (!strcmp(verb, "del"))
		return ipam_exec_del(req, type, err);
	if (!strcmp(verb, "check"))
		return ipam_exec_check(req, type, err);
	if (!strcmp(verb, "status"))
		return ipam_exec_status(req, type, err);
	if (!strcmp(verb, "gc"))
		return ipam_exec_gc(req, type, err);
	return cni_err_set(err, CNI_ERR_INTERNAL, "unknown verb %s", verb);
}

/* Mean cost of one exec; for "add", each round is an ADD and a DEL of the
 * same container so a real IPAM store does not fill up. */
static int bench(const struct cni_request *req, const char *verb, const char *type, int n,
		 struct cni_err *err)
{
	double t0 = now_us();
	int execs = 0;

	for (int i = 0; i < n; i++) {
		struct cni_result res = {0};

		if (run_verb(req, verb, type, &res, err) != 0)
			return -1;
		cni_result_free(&res);
		execs++;
		if (!strcmp(verb, "add")) {
			if (ipam_exec_del(req, type, err) != 0)
				return -1;
			execs++;
		}
	}
	fprintf(stderr, "# %s %s: %.0f us per exec (mean of %d execs)\n", verb, type,
		(now_us() - t0) / execs, execs);
	return 0;
}

int main(int argc, char **argv)
{
	struct cni_request req = {0};
	struct cni_result res = {0};
	struct cni_err err = {0};
	const char *version = CNI_VERSION_DEFAULT;
	int repeat = 0, rc, i;
	char path[PATH_MAX];
	cJSON *conf = NULL;

	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--leak-fds") && i + 1 < argc) {
			for (int n = atoi(argv[++i]); n > 0; n--)
				if (open("/dev/null", O_RDONLY) < 0)
					return 2;
		} else if (!strcmp(argv[i], "--ignore-sigchld")) {
			signal(SIGCHLD, SIG_IGN);
		} else if (!strcmp(argv[i], "--sigchld-handler")) {
			struct sigaction sa = {.sa_handler = on_sigchld}; /* no SA_RESTART */

			sigemptyset(&sa.sa_mask);
			sigaction(SIGCHLD, &sa, NULL);
		} else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
			repeat = atoi(argv[++i]);
		} else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: %s [options] VERB TYPE <config\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[i], "find")) {
		rc = ipam_find(argv[i + 1], getenv("CNI_PATH"), path, sizeof(path), &err);
		if (rc == 0)
			printf("%s\n", path);
		goto out;
	}
	req.env = (struct cni_env){
	    .command = env_or_null("CNI_COMMAND"),
	    .container_id = env_or_null("CNI_CONTAINERID"),
	    .netns = env_or_null("CNI_NETNS"),
	    .ifname = env_or_null("CNI_IFNAME"),
	    .args = env_or_null("CNI_ARGS"),
	    .path = env_or_null("CNI_PATH"),
	};
	req.stdin_buf = read_all(stdin, &req.stdin_len);
	conf = req.stdin_buf ? json_parse(req.stdin_buf, req.stdin_len, "config", &err) : NULL;
	if (!conf) {
		rc = -1;
		goto out;
	}
	json_get_string(conf, "cniVersion", &version, NULL);
	req.conf = conf;
	req.version = version;
	json_get_string(conf, "name", &req.name, NULL);
	if (repeat > 0) {
		rc = bench(&req, argv[i], argv[i + 1], repeat, &err);
		goto out;
	}
	rc = run_verb(&req, argv[i], argv[i + 1], &res, &err);
	if (rc == 0 && !strcmp(argv[i], "add")) {
		rc = cni_result_print(&res, version, stdout, &err);
		putchar('\n');
	}
out:
	if (rc != 0) {
		cni_err_print(&err, NULL, stdout);
		putchar('\n');
	}
	if (sigchld_count)
		fprintf(stderr, "# SIGCHLD handler ran %d times\n", (int)sigchld_count);
	cni_result_free(&res);
	cJSON_Delete(conf);
	free((char *)req.stdin_buf);
	return rc ? 1 : 0;
}
