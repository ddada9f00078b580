/* One error type for every layer: the CNI code, a message a person can act
 * on, and optional details. The deepest layer that knows the cause fills it;
 * callers may add context with cni_err_prefix(); only cni_main prints it. */
#pragma once
#include <stdarg.h>
#include <stdio.h>

enum cni_code {
	CNI_OK = 0,
	CNI_ERR_VERSION = 1,	       /* incompatible CNI version */
	CNI_ERR_UNSUPPORTED_FIELD = 2, /* unsupported config field (name it) */
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_ENV = 4, /* invalid/missing environment variables */
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6, /* JSON syntax, wrong JSON type */
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_INVALID_NETNS = 8, /* Go-only code, kept for parity */
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_UNAVAILABLE = 50, /* STATUS: cannot serve ADD */
	CNI_ERR_UNAVAILABLE_LIMITED = 51,
	CNI_ERR_INTERNAL = 999, /* what the reference uses for plugin failures */
};

#define CNI_ERR_MSG_MAX 1024
#define CNI_ERR_DETAILS_MAX 1024

struct cni_err {
	unsigned code; /* 0 = no error */
	char msg[CNI_ERR_MSG_MAX];
	char details[CNI_ERR_DETAILS_MAX];
};

/* All setters return -1 so that `return cni_err_set(err, ...)` reads well.
 * A NULL err is allowed and ignored. */
int cni_err_set(struct cni_err *err, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like cni_err_set, then appends ": <strerror(errnum)>". */
int cni_err_errno(struct cni_err *err, unsigned code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int cni_err_details(struct cni_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prepends "<context>: " to the message, keeping the code (an unset error
 * becomes 999 so that a failure is never lost). Messages longer than
 * CNI_ERR_MSG_MAX - 1 bytes are cut. */
int cni_err_prefix(struct cni_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For verbs that keep going after a failure (GC): records `more` into err.
 * An unset err takes more as it is; a set one keeps its code and gets
 * "; <more's message>" appended (cut at CNI_ERR_MSG_MAX - 1). An unset
 * `more` changes nothing. Returns -1 when err ends up set, else 0. */
int cni_err_join(struct cni_err *err, const struct cni_err *more);
void cni_err_clear(struct cni_err *err);
static inline int cni_err_isset(const struct cni_err *err)
{
	return err && err->code != 0;
}

/* Prints {"cniVersion"?, "code", "msg", "details"?} the way Go does (4-space
 * indent, no trailing newline). version may be NULL (then omitted). */
void cni_err_print(const struct cni_err *err, const char *version, FILE *out);
