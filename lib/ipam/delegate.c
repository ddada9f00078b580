/* The ipam_exec_* verbs: find the plugin, run it, turn its exit into a
 * result or into the error it reported (Go's invoke.DelegateAdd/Del and
 * RawExec.pluginErr). */
#include "lib/ipam/ipam.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "lib/cni/json.h"
#include "lib/cni/log.h"
#include "lib/names/quote.h"
#include "lib/netns/netns.h"
#include "lib/ipam/inproc.h"
#include "lib/ipam/spawn.h"

/* Go's ExitError text: "exit status N" or "signal: killed". */
static void exit_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status)) {
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *name = strsignal(WTERMSIG(status));

		snprintf(buf, len, "signal: %s", name ? name : "unknown");
		if (buf[8] >= 'A' && buf[8] <= 'Z') /* Go spells them lower case */
			buf[8] += 'a' - 'A';
	} else {
		snprintf(buf, len, "wait status 0x%x", status);
	}
}

/* The child's stdout as a CNI error object: code (unsigned), msg, details,
 * other keys ignored, as Go's json.Unmarshal into types.Error. */
static int decode_error_json(const struct ipam_output *o, const char *exit, struct cni_err *err,
			     struct cni_err *why)
{
	const char *msg = NULL, *details = NULL;
	long long code = 0;
	cJSON *j = json_parse(o->out, o->out_len, "netplugin error", why);
	int rc = -1;

	if (!j)
		return -1;
	if (!cJSON_IsObject(j)) {
		cni_err_set(why, CNI_ERR_DECODE, "expected a JSON object");
		goto out;
	}
	if (json_get_int(j, "code", &code, why) != 0 || json_get_string(j, "msg", &msg, why) != 0 ||
	    json_get_string(j, "details", &details, why) != 0)
		goto out;
	if (code < 0 || code > UINT_MAX) {
		cni_err_set(why, CNI_ERR_DECODE, "\"code\": %lld is not an unsigned 32-bit number",
			    code);
		goto out;
	}
	/* Go keeps a code of 0; for us 0 means "no error", so it becomes 999. */
	if (msg && *msg)
		cni_err_set(err, code ? code : CNI_ERR_INTERNAL, "%s", msg);
	else
		cni_err_set(err, code ? code : CNI_ERR_INTERNAL,
			    "netplugin failed with an error without a message (%s)", exit);
	if (details && *details)
		cni_err_details(err, "%s", details);
	rc = 0;
out:
	cJSON_Delete(j);
	return rc;
}

/* The child exited non-zero: pass its error on, or describe what it did.
 * *reported: it printed a CNI error, so it owns what it left (spec). */
static int plugin_error(const struct ipam_output *o, bool *reported, struct cni_err *err)
{
	char exit[64], quoted[CNI_ERR_MSG_MAX];
	struct cni_err why = {0};

	exit_text(o->status, exit, sizeof(exit));
	if (o->out_len == 0 && o->err_len == 0)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "netplugin failed with no error message: %s", exit);
	if (o->out_len == 0) {
		go_quote_n(o->errtext, o->err_len, quoted, sizeof(quoted) / 2, &(size_t){0});
		return cni_err_set(err, CNI_ERR_INTERNAL, "netplugin failed: %s: %s", quoted, exit);
	}
	if (decode_error_json(o, exit, err, &why) == 0) {
		*reported = true;
		return -1;
	}
	go_quote_n(o->out, o->out_len, quoted, sizeof(quoted) / 2, &(size_t){0});
	return cni_err_set(err, CNI_ERR_INTERNAL,
			   "netplugin failed but error parsing its diagnostic message %s: %s",
			   quoted, why.msg);
}

/* Finds and runs type with CNI_COMMAND=verb: in-process when the file found
 * is the build linked into us (inproc.h), else as a child. 0 when it exited
 * 0 (o holds its output), -1 with err set otherwise; then *unknown says
 * whether the plugin ran without telling how far it got (killed, timed out,
 * failed without a CNI error). The child's stderr is copied to ours either
 * way: it is the only trace of what it logged. */
static int invoke(const struct cni_request *req, const char *type, const char *verb,
		  struct ipam_output *o, bool *unknown, struct cni_err *err)
{
	bool reported = false;

	*unknown = false;
	char path[PATH_MAX];
	struct ipam_spawn_req rq = {
	    .path = path,
	    .verb = verb,
	    .stdin_buf = req->stdin_buf,
	    .stdin_len = req->stdin_buf ? req->stdin_len : 0,
	    .timeout_s = ipam_timeout_from_env(),
	};

	const struct ipam_inproc *inproc;

	/* A child started from a netns_run worker would begin life in the
	 * container netns (and an in-process plugin would run there). */
	if (!netns_is_current("/proc/self/ns/net"))
		return cni_err_set(
		    err, CNI_ERR_INTERNAL,
		    "IPAM %s of \"%s\" requested from a thread outside the host netns "
		    "(a netns_run worker); it must run on the host thread",
		    verb, type ? type : "");
	if (ipam_find(type, req->env.path, path, sizeof(path), err) != 0)
		return -1;
	inproc = ipam_inproc_match(ipam_inproc_registered(), type, path);
	if (inproc ? ipam_inproc_run(inproc, req, verb, o, err) : ipam_spawn(&rq, o, err)) {
		*unknown = o->started; /* timed out or too much output */
		return -1;
	}
	if (o->err_len) {
		fwrite(o->errtext, 1, o->err_len, stderr);
		fflush(stderr);
	}
	if (!WIFEXITED(o->status) || WEXITSTATUS(o->status) != 0) {
		plugin_error(o, &reported, err);
		*unknown = !reported;
		return -1;
	}
	return 0;
}

/* An ADD that ended without a CNI error or a usable result may have
 * allocated before it died, hung or printed garbage; nobody would ever
 * release that (the caller rolls back only what it was told of), and the
 * container's next ADD would fail on it ("duplicate allocation"). DEL is
 * idempotent, so one is sent, best effort. A plugin that printed a CNI
 * error is trusted to have undone its own work, and is not DEL'd: a DEL
 * after "already allocated to this container" would free a live lease. */
static void release_unknown_add(const struct cni_request *req, const char *type)
{
	struct ipam_output o = {0};
	struct cni_err e = {0};
	bool unknown;

	if (invoke(req, type, "DEL", &o, &unknown, &e) != 0)
		cni_warn_err(&e, "releasing what a failed IPAM ADD may have allocated");
	ipam_output_free(&o);
}

int ipam_exec_add(const struct cni_request *req, const char *type, struct cni_result *res,
		  struct cni_err *err)
{
	struct ipam_output o = {0};
	cJSON *j = NULL;
	bool unknown = false;
	int rc = -1;

	if (invoke(req, type, "ADD", &o, &unknown, err) != 0)
		goto out;
	j = json_parse(o.out, o.out_len, "IPAM result", err);
	if (!j || cni_result_parse(j, req->version, res, err) != 0) {
		cni_err_prefix(err, "IPAM plugin \"%s\" returned an unusable result", type);
		unknown = true;
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(j);
	ipam_output_free(&o);
	if (unknown)
		release_unknown_add(req, type);
	return rc;
}

static int exec_no_result(const struct cni_request *req, const char *type, const char *verb,
			  struct cni_err *err)
{
	struct ipam_output o = {0};
	bool unknown;
	int rc = invoke(req, type, verb, &o, &unknown, err);

	ipam_output_free(&o);
	return rc;
}

int ipam_exec_del(const struct cni_request *req, const char *type, struct cni_err *err)
{
	return exec_no_result(req, type, "DEL", err);
}

int ipam_exec_check(const struct cni_request *req, const char *type, struct cni_err *err)
{
	return exec_no_result(req, type, "CHECK", err);
}

int ipam_exec_status(const struct cni_request *req, const char *type, struct cni_err *err)
{
	return exec_no_result(req, type, "STATUS", err);
}

int ipam_exec_gc(const struct cni_request *req, const char *type, struct cni_err *err)
{
	return exec_no_result(req, type, "GC", err);
}
