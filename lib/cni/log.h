/* The per-verb trail behind the optional "logFile" and "logLevel" config
 * keys. Runtimes show a plugin's stderr only when a verb fails, so node
 * operators get no record of what ran; with logFile set, every verb appends
 * one line. The reference ignores unknown keys, so configs that use them
 * stay portable.
 *
 * Line format (one write(), fields space-separated, values with spaces,
 * quotes or control bytes quoted and escaped):
 *   2026-11-27T11:32:00.123Z bridge ADD net=mynet id=abc ifname=eth0 result=ok elapsed=3.140ms
 *   ... result=error code=7 msg="..." elapsed=...
 * logLevel "debug" adds pid, cniVersion, netns and CNI_ARGS. */
#pragma once
#include <stdio.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "lib/cni/error.h"
#include "lib/cni/skel.h"

enum cni_log_level {
	CNI_LOG_ERROR = 1, /* failed verbs only */
	CNI_LOG_INFO,	   /* every verb (the default when logFile is set) */
	CNI_LOG_DEBUG,	   /* every verb, with the request's details */
};

struct cni_log_conf {
	const char *path; /* borrowed from the config; NULL = no trail */
	enum cni_log_level level;
};

/* Reads "logFile" and "logLevel" from conf (keys case-insensitive as every
 * config key). Absent keys leave lc->path NULL. Errors: a non-string value
 * (6); a relative logFile, since it would land in whatever directory the
 * runtime runs in (7); an unknown logLevel (7, names it). On a bad logLevel
 * lc->path is still set, with level error, so the refusal is logged too.
 * skel fails every verb on these errors except DEL, which warns on stderr
 * and goes on (a typo in the trail must not keep leases from release). */
int cni_log_conf_parse(const cJSON *conf, struct cni_log_conf *lc, struct cni_err *err);

/* Appends the line for one finished verb (err NULL or unset = success) if
 * lc's level asks for it. Never fails the verb: the file is opened with
 * O_APPEND|O_NOFOLLOW|O_CLOEXEC (mode 0600 when created) and must be a
 * regular file; when it cannot be opened or written, the line goes to
 * fallback (the plugin's stderr) after a note naming the path and errno.
 * Lines are capped at 4095 bytes plus newline (the message is cut), so each
 * is one write() and concurrent plugins never interleave within a line. */
void cni_log_verb(const struct cni_log_conf *lc, const char *plugin, const struct cni_request *req,
		  const char *command, const struct cni_err *err, const struct timespec *start,
		  FILE *fallback);

/* ---- warnings and notes: the one path for what is not the verb's result --
 *
 * A secondary failure (a rollback step that failed, DEL's errors after the
 * first, a lease file that cannot be read) does not change the verb's
 * outcome but must leave a trace: cni_warn writes "<plugin>: warning:
 * <msg>" to the verb's stderr and, when the config has a logFile, a line
 * "... result=warning msg=..." to it (every level). cni_note is for
 * informational lines (GC's tally): stderr as "<plugin>: <msg>", and the
 * logFile at level info or debug as "result=note". Outside a verb (no
 * scope entered) only stderr gets them. */
struct cni_log_scope {
	const struct cni_log_conf *lc;
	const char *plugin;
	const struct cni_request *req;
	const char *command;
	FILE *stderr_out;
	struct cni_log_scope *outer; /* set by cni_log_enter */
};
/* cni_run enters the verb's scope once its config is read and leaves it at
 * the end; scopes nest (an in-process IPAM plugin runs inside the bridge's
 * verb and logs under its own name). Not thread-safe: warn from the thread
 * that runs the verb, not from a netns_run worker. */
void cni_log_enter(struct cni_log_scope *s);
void cni_log_leave(struct cni_log_scope *s);

void cni_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cni_warn("<context>: <err's message>"); nothing when err is not set. */
void cni_warn_err(const struct cni_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cni_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
