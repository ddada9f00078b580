/* The CNI protocol around a plugin, in the order of checks of Go's
 * pkg/skel so that the same bad input yields the same first error:
 *   1. CNI_COMMAND known, required variables present, ID and ifname valid;
 *   2. stdin read (never for VERSION);
 *   3. stdin is a JSON object with a valid "name";
 *   4. cniVersion supported (and recent enough for CHECK, GC, STATUS);
 *   5. CNI_NETNS is not our own netns (ADD, CHECK), then the handler.
 * Errors are printed once, as JSON on stdout, and the exit status is 1. */
#include "lib/cni/skel.h"
#include "lib/cni/conf.h"
#include "lib/cni/json.h"
#include "lib/cni/log.h"
#include "lib/cni/version.h"
#include "lib/util/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

static const struct {
	const char *name;
	enum cni_cmd cmd;
} commands[] = {
    {"ADD", CNI_CMD_ADD},	  {"DEL", CNI_CMD_DEL},	      {"CHECK", CNI_CMD_CHECK},
    {"VERSION", CNI_CMD_VERSION}, {"STATUS", CNI_CMD_STATUS}, {"GC", CNI_CMD_GC},
};

enum { NEED_ID = 1, NEED_NETNS = 2, NEED_IFNAME = 4, NEED_PATH = 8 };

/* Go's table, plus CNI_PATH for GC and STATUS. */
static unsigned required_vars(enum cni_cmd cmd)
{
	switch (cmd) {
	case CNI_CMD_ADD:
	case CNI_CMD_CHECK:
		return NEED_ID | NEED_NETNS | NEED_IFNAME | NEED_PATH;
	case CNI_CMD_DEL:
		return NEED_ID | NEED_IFNAME | NEED_PATH;
	case CNI_CMD_STATUS:
	case CNI_CMD_GC:
		return NEED_PATH;
	default:
		return 0;
	}
}

static int parse_command(const char *s, enum cni_cmd *cmd, struct cni_err *err)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(s, commands[i].name) == 0) {
			*cmd = commands[i].cmd;
			return 0;
		}
	}
	return cni_err_set(err, CNI_ERR_ENV, "unknown CNI_COMMAND: %s", s);
}

static int check_env(enum cni_cmd cmd, const struct cni_env *env, struct cni_err *err)
{
	const struct {
		unsigned need;
		const char *name;
		const char *val;
	} vars[] = {
	    {NEED_ID, "CNI_CONTAINERID", env->container_id},
	    {NEED_NETNS, "CNI_NETNS", env->netns},
	    {NEED_IFNAME, "CNI_IFNAME", env->ifname},
	    {NEED_PATH, "CNI_PATH", env->path},
	};
	unsigned need = required_vars(cmd);
	char missing[256] = "";
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (!(need & vars[i].need) || (vars[i].val && *vars[i].val))
			continue;
		if (missing[0])
			strcat(missing, ",");
		strcat(missing, vars[i].name);
	}
	if (missing[0])
		return cni_err_set(err, CNI_ERR_ENV, "required env variables [%s] missing",
				   missing);
	if ((need & NEED_ID) && cni_validate_container_id(env->container_id, err) < 0)
		return -1;
	if ((need & NEED_IFNAME) && cni_validate_ifname(env->ifname, err) < 0)
		return -1;
	return 0;
}

/* Reads all of in into a NUL-terminated buffer, refusing hostile sizes. */
static int read_all(FILE *in, char **buf, size_t *len, struct cni_err *err)
{
	/* one byte more than we accept, to tell "exactly the limit" from "more" */
	struct strbuf b = {.max = JSON_MAX_INPUT + 1};

	for (;;) {
		size_t room = b.max - b.len, got;

		if (room == 0)
			break;
		/* 8 KiB steps (a config is a few KiB): a first reserve of 64
		 * KiB made a 128 KiB buffer, above malloc's mmap threshold,
		 * so every call paid an mmap, a munmap and their page faults */
		if (strbuf_reserve(&b, room < 8191 ? room : 8191) < 0) {
			strbuf_free(&b);
			return cni_err_set(err, CNI_ERR_INTERNAL, "reading stdin: out of memory");
		}
		got = fread(b.p + b.len, 1, b.cap - 1 - b.len, in);
		b.len += got;
		b.p[b.len] = '\0';
		if (got == 0 || feof(in)) /* fread saw the end: no read(2) more */
			break;
	}
	if (ferror(in)) {
		int e = errno;
		strbuf_free(&b);
		return cni_err_errno(err, CNI_ERR_IO, e, "error reading from stdin");
	}
	if (b.len > JSON_MAX_INPUT) {
		strbuf_free(&b);
		return cni_err_set(err, CNI_ERR_DECODE,
				   "error unmarshall network config: more than %u bytes on stdin",
				   JSON_MAX_INPUT);
	}
	*buf = strbuf_take(&b, len);
	if (!*buf)
		return cni_err_set(err, CNI_ERR_INTERNAL, "reading stdin: out of memory");
	return 0;
}

/* Step 3 and the version decode of step 4. *raw_version is the config's
 * cniVersion as written, NULL when absent or "". */
static int load_config(struct cni_request *req, const char **raw_version, struct cni_err *err)
{
	req->conf =
	    json_parse(req->stdin_buf, req->stdin_len, "error unmarshall network config", err);
	if (!req->conf)
		return -1;
	if (!cJSON_IsObject(req->conf))
		return cni_err_set(err, CNI_ERR_DECODE,
				   "error unmarshall network config: expected a JSON object");
	const char *name = NULL, *ver = NULL;
	if (json_get_string(req->conf, "name", &name, err) < 0)
		return cni_err_prefix(err, "error unmarshall network config");
	if (cni_validate_name(name, err) < 0)
		return -1;
	req->name = name;
	if (json_get_string(req->conf, "cniVersion", &ver, err) < 0)
		return cni_err_prefix(err, "decoding version from network config");
	*raw_version = ver && *ver ? ver : NULL;
	req->version = *raw_version ? *raw_version : CNI_VERSION_DEFAULT;
	return 0;
}

static int version_gate(enum cni_cmd cmd, const char *version, struct cni_err *err)
{
	const char *min = cmd == CNI_CMD_CHECK			       ? "0.4.0"
			  : cmd == CNI_CMD_GC || cmd == CNI_CMD_STATUS ? "1.1.0"
								       : NULL;
	if (min) {
		bool ok;
		int c = cni_version_cmp(version, min, &ok);
		if (!ok)
			return cni_err_set(err, CNI_ERR_DECODE, "invalid version \"%s\"", version);
		if (c < 0)
			return cni_err_set(err, CNI_ERR_VERSION, "config version does not allow %s",
					   commands[cmd].name);
	}
	if (cni_version_index(version) >= 0)
		return 0;
	cni_err_set(err, CNI_ERR_VERSION, "incompatible CNI versions");
	char list[256] = "";
	for (int i = 0; cni_supported_versions[i]; i++) {
		if (i)
			strcat(list, " ");
		strcat(list, "\"");
		strcat(list, cni_supported_versions[i]);
		strcat(list, "\"");
	}
	return cni_err_details(err, "config is \"%s\", plugin supports [%s]", version, list);
}

static bool truthy(const char *s)
{
	return s && (strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0);
}

/* The reference checks this after a successful ADD, when the damage is
 * done; checking before the handler runs refuses the request cleanly. An
 * unreadable CNI_NETNS is left for the handler to report. */
static int check_netns_not_own(const struct cni_env *env, struct cni_err *err)
{
	struct stat target, own;
	if (truthy(env->netns_override) || !env->netns)
		return 0;
	if (stat(env->netns, &target) < 0 || stat("/proc/thread-self/ns/net", &own) < 0)
		return 0;
	if (target.st_dev == own.st_dev && target.st_ino == own.st_ino)
		return cni_err_set(
		    err, CNI_ERR_INVALID_NETNS,
		    "plugin's netns and netns from CNI_NETNS should not be the same");
	return 0;
}

/* A malformed cni.dev/valid-attachments must not read as "no list" in one
 * handler and as "keep nothing" in another: refuse it before any GC runs,
 * whether or not the plugin looks at the list itself. */
static int gc_attachments_valid(const struct cni_request *req, struct cni_err *err)
{
	struct cni_attachment *list;
	size_t n;

	if (cni_conf_valid_attachments(req, &list, &n, err) < 0)
		return -1;
	free(list);
	return 0;
}

static int call_handler(const struct cni_plugin *plugin, const struct cni_request *req,
			const char *print_version, FILE *out, struct cni_err *err)
{
	struct cni_result res = {0};
	int rc = 0;
	switch (req->cmd) {
	case CNI_CMD_ADD:
		if (!plugin->add) {
			rc = cni_err_set(err, CNI_ERR_INTERNAL, "ADD is not implemented");
			break;
		}
		rc = plugin->add(req, &res, err);
		if (rc == 0)
			rc = cni_result_print(&res, print_version, out, err);
		break;
	case CNI_CMD_DEL:
		rc = plugin->del ? plugin->del(req, err) : 0;
		break;
	case CNI_CMD_CHECK:
		rc = plugin->check ? plugin->check(req, err) : 0;
		break;
	case CNI_CMD_STATUS:
		rc = plugin->status ? plugin->status(req, err) : 0;
		break;
	case CNI_CMD_GC:
		rc = gc_attachments_valid(req, err);
		if (rc == 0 && plugin->gc)
			rc = plugin->gc(req, err);
		break;
	case CNI_CMD_VERSION:
		break;
	}
	cni_result_free(&res);
	if (rc < 0 && !cni_err_isset(err)) {
		/* Go turns a plain error into ErrInternal. */
		err->code = CNI_ERR_INTERNAL;
		if (!err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "%s failed without saying why",
				 commands[req->cmd].name);
	}
	return rc < 0 ? -1 : 0;
}

static void print_about(const struct cni_plugin *plugin, FILE *log)
{
	fprintf(log, "CNI %s plugin %s\nCNI protocol versions supported: ", plugin->name,
		CNI_PLUGIN_VERSION);
	for (int i = 0; cni_supported_versions[i]; i++)
		fprintf(log, "%s%s", i ? ", " : "", cni_supported_versions[i]);
	fputc('\n', log);
}

/* A bad logFile/logLevel fails every verb but DEL: a typo in a key that
 * only affects the trail must not keep DEL from releasing what ADD made
 * (leases, rules). DEL warns and goes on. */
static int log_conf(const struct cni_request *req, struct cni_log_conf *trail, struct cni_err *err)
{
	if (cni_log_conf_parse(req->conf, trail, err) == 0)
		return 0;
	if (req->cmd != CNI_CMD_DEL)
		return -1;
	cni_warn("%s (DEL goes on)", err->msg);
	cni_err_clear(err);
	return 0;
}

int cni_run(const struct cni_plugin *plugin, const struct cni_env *env, FILE *in, FILE *out,
	    FILE *log)
{
	struct cni_request req = {.env = *env};
	struct cni_err err = {0};
	struct cni_log_conf trail = {0};
	struct cni_log_scope scope = {.lc = &trail,
				      .plugin = plugin->name,
				      .req = &req,
				      .command = env->command,
				      .stderr_out = log};
	struct timespec start;
	const char *raw_version = NULL;
	char *buf = NULL;
	int rc = 1;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (!env->command || !*env->command) {
		print_about(plugin, log);
		return 0;
	}
	if (parse_command(env->command, &req.cmd, &err) < 0 || check_env(req.cmd, env, &err) < 0)
		goto out;
	if (req.cmd == CNI_CMD_VERSION) {
		/* podman probes VERSION with dummy variables: ignore them all. */
		cni_version_print(out);
		return 0;
	}
	if (read_all(in, &buf, &req.stdin_len, &err) < 0)
		goto out;
	req.stdin_buf = buf;
	/* Warnings from here on carry the verb's name and, once the trail is
	 * known, reach its file too; failures before it have no file. */
	cni_log_enter(&scope);
	if (load_config(&req, &raw_version, &err) < 0 || log_conf(&req, &trail, &err) < 0 ||
	    version_gate(req.cmd, req.version, &err) < 0)
		goto out;
	if ((req.cmd == CNI_CMD_ADD || req.cmd == CNI_CMD_CHECK) &&
	    check_netns_not_own(env, &err) < 0)
		goto out;
	if (call_handler(plugin, &req, req.version, out, &err) < 0)
		goto out;
	rc = 0;
out:
	if (rc)
		cni_err_print(&err, raw_version, out);
	cni_log_verb(&trail, plugin->name, &req, env->command, &err, &start, log);
	cni_log_leave(&scope);
	cJSON_Delete(req.conf);
	free(buf);
	return rc;
}

static const char *env_or_null(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int cni_main(const struct cni_plugin *plugin)
{
	struct cni_env env = {
	    .command = env_or_null("CNI_COMMAND"),
	    .container_id = env_or_null("CNI_CONTAINERID"),
	    .netns = env_or_null("CNI_NETNS"),
	    .ifname = env_or_null("CNI_IFNAME"),
	    .args = env_or_null("CNI_ARGS"),
	    .path = env_or_null("CNI_PATH"),
	    .netns_override = env_or_null("CNI_NETNS_OVERRIDE"),
	};
	int rc = cni_run(plugin, &env, stdin, stdout, stderr);
	if (fflush(stdout) != 0 && rc == 0)
		rc = 1;
	return rc;
}
