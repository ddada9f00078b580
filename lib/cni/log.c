/* The logFile trail: parse the two keys, format one line, append it. */
#include "lib/cni/log.h"
#include "lib/cni/json.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096 /* PIPE_BUF: one write() of this size is one line */

static const char *const level_names[] = {
    [CNI_LOG_ERROR] = "error",
    [CNI_LOG_INFO] = "info",
    [CNI_LOG_DEBUG] = "debug",
};

int cni_log_conf_parse(const cJSON *conf, struct cni_log_conf *lc, struct cni_err *err)
{
	const char *path = NULL, *level = NULL;

	lc->path = NULL;
	lc->level = CNI_LOG_INFO;
	if (json_get_string(conf, "logFile", &path, err) < 0 ||
	    json_get_string(conf, "logLevel", &level, err) < 0)
		return -1;
	if (!path || !*path)
		return 0;
	if (path[0] != '/')
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "logFile \"%s\" must be an absolute path", path);
	lc->path = path;
	if (!level || !*level)
		return 0;
	for (int l = CNI_LOG_ERROR; l <= CNI_LOG_DEBUG; l++) {
		if (strcasecmp(level, level_names[l]) == 0) {
			lc->level = l;
			return 0;
		}
	}
	lc->level = CNI_LOG_ERROR;
	return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
			   "logLevel \"%s\" is not one of error, info, debug", level);
}

/* A bounded line buffer: appends stop at the cap, the line stays valid. */
struct line {
	char buf[LOG_LINE_MAX];
	size_t len;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	size_t room = sizeof(l->buf) - 1 - l->len; /* keep one byte for '\n' */
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, room + 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < room ? (size_t)n : room;
}

/* " key=value", quoting a value that holds spaces, quotes, backslashes
 * or control bytes, so each field parses back and the line stays one line. */
static void put_field(struct line *l, const char *key, const char *val)
{
	if (!val)
		val = "-";
	bool quote = !*val || strpbrk(val, " \"\\") != NULL;
	for (const unsigned char *p = (const unsigned char *)val; *p && !quote; p++)
		quote = *p < 0x20 || *p == 0x7f;
	put(l, " %s=", key);
	if (!quote) {
		put(l, "%s", val);
		return;
	}
	put(l, "\"");
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if (*p == '"' || *p == '\\')
			put(l, "\\%c", *p);
		else if (*p == '\n')
			put(l, "\\n");
		else if (*p < 0x20 || *p == 0x7f)
			put(l, "\\x%02x", *p);
		else
			put(l, "%c", *p);
	}
	put(l, "\"");
}

static void put_timestamp(struct line *l)
{
	struct timespec now;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	put(l, "%s.%03ldZ", when, now.tv_nsec / 1000000);
}

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* The fields every line starts with: when, who, which attachment. */
static void format_head(struct line *l, const char *plugin, const struct cni_request *req,
			const char *command, enum cni_log_level level)
{
	put_timestamp(l);
	put(l, " %s %s", plugin, command);
	put_field(l, "net", req->name);
	put_field(l, "id", req->env.container_id);
	put_field(l, "ifname", req->env.ifname);
	if (level >= CNI_LOG_DEBUG) {
		put(l, " pid=%ld", (long)getpid());
		put_field(l, "cniVersion", req->version);
		put_field(l, "netns", req->env.netns);
		put_field(l, "args", req->env.args);
	}
}

static void format_line(struct line *l, const char *plugin, const struct cni_request *req,
			const char *command, const struct cni_err *err,
			const struct timespec *start, enum cni_log_level level)
{
	char code[16];

	format_head(l, plugin, req, command, level);
	if (cni_err_isset(err)) {
		snprintf(code, sizeof(code), "%u", err->code);
		put(l, " result=error code=%s", code);
		put(l, " elapsed=%.3fms", elapsed_ms(start));
		put_field(l, "msg", err->msg);
	} else {
		put(l, " result=ok elapsed=%.3fms", elapsed_ms(start));
	}
	/* A cut line still ends with a newline: the next line starts clean. */
	l->buf[l->len++] = '\n';
}

/* Opens the log for appending without following a planted symlink and
 * without blocking on a FIFO; anything but a regular file is refused.
 * Returns the fd, or -1 with *why saying what failed. */
static int open_log(const char *path, const char **why)
{
	int fd = open(
	    path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
	    0600);
	if (fd < 0) {
		*why = errno == ELOOP ? "it is a symlink" : strerror(errno);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		*why = "not a regular file";
		return -1;
	}
	return fd;
}

static int write_line(const char *path, const struct line *l, const char **why)
{
	int fd = open_log(path, why);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, l->buf, l->len);
	*why = n < 0 ? strerror(errno) : "short write";
	close(fd);
	return n == (ssize_t)l->len ? 0 : -1;
}

/* Appends l to lc's file; when that fails, says so on fallback with the
 * line, so that it is not lost. */
static void append_or_fallback(const struct cni_log_conf *lc, const char *plugin,
			       const struct line *l, FILE *fallback)
{
	const char *why = NULL;

	if (write_line(lc->path, l, &why) == 0 || !fallback)
		return;
	fprintf(fallback, "%s: cannot append to logFile %s: %s; the line was:\n%.*s", plugin,
		lc->path, why, (int)l->len, l->buf);
	fflush(fallback);
}

void cni_log_verb(const struct cni_log_conf *lc, const char *plugin, const struct cni_request *req,
		  const char *command, const struct cni_err *err, const struct timespec *start,
		  FILE *fallback)
{
	struct line l = {.len = 0};

	if (!lc->path || (lc->level < CNI_LOG_INFO && !cni_err_isset(err)))
		return;
	format_line(&l, plugin, req, command, err, start, lc->level);
	append_or_fallback(lc, plugin, &l, fallback);
}

/* ---- warnings and notes ---- */

static struct cni_log_scope *scope; /* the innermost verb being run */

void cni_log_enter(struct cni_log_scope *s)
{
	s->outer = scope;
	scope = s;
}

void cni_log_leave(struct cni_log_scope *s)
{
	if (scope == s)
		scope = s->outer;
}

/* result is "warning" or "note"; notes reach the file from level info. */
static void say(const char *result, const char *msg)
{
	FILE *out = scope && scope->stderr_out ? scope->stderr_out : stderr;
	const struct cni_log_conf *lc = scope ? scope->lc : NULL;
	bool warning = strcmp(result, "warning") == 0;
	struct line l = {.len = 0};

	fprintf(out, "%s: %s%s\n", scope ? scope->plugin : "cni", warning ? "warning: " : "", msg);
	fflush(out);
	if (!lc || !lc->path || (!warning && lc->level < CNI_LOG_INFO))
		return;
	format_head(&l, scope->plugin, scope->req, scope->command, lc->level);
	put(&l, " result=%s", result);
	put_field(&l, "msg", msg);
	l.buf[l.len++] = '\n';
	append_or_fallback(lc, scope->plugin, &l, NULL); /* already on stderr */
}

static void vsay(const char *result, const char *fmt, va_list ap)
{
	char msg[CNI_ERR_MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	say(result, msg);
}

void cni_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("warning", fmt, ap);
	va_end(ap);
}

void cni_warn_err(const struct cni_err *err, const char *fmt, ...)
{
	char ctx[256];
	va_list ap;

	if (!cni_err_isset(err))
		return;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	cni_warn("%s: %s", ctx, err->msg);
}

void cni_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("note", fmt, ap);
	va_end(ap);
}
