/* The one error type: setters, context and the Go-style JSON printer. */
#include "lib/cni/error.h"
#include "lib/cni/json.h"

#include <stdlib.h>
#include <string.h>

static void vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);
	if (n < 0)
		buf[0] = '\0';
}

int cni_err_set(struct cni_err *err, unsigned code, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vformat(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	err->details[0] = '\0';
	return -1;
}

int cni_err_errno(struct cni_err *err, unsigned code, int errnum, const char *fmt, ...)
{
	if (!err)
		return -1;
	char what[CNI_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vformat(what, sizeof(what), fmt, ap);
	va_end(ap);
	char ebuf[128];
	/* GNU strerror_r returns the text, which may or may not live in ebuf. */
	const char *etext = strerror_r(errnum, ebuf, sizeof(ebuf));
	cni_err_set(err, code, "%.*s: %s", CNI_ERR_MSG_MAX - 130, what, etext);
	return -1;
}

int cni_err_details(struct cni_err *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vformat(err->details, sizeof(err->details), fmt, ap);
	va_end(ap);
	return -1;
}

int cni_err_prefix(struct cni_err *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char ctx[CNI_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vformat(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	char old[CNI_ERR_MSG_MAX];
	memcpy(old, err->msg, sizeof(old));
	/* The result may be cut short; a long message beats no message. */
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old) >= (int)sizeof(err->msg))
		err->msg[sizeof(err->msg) - 1] = '\0';
	/* A prefix on an unset error must not turn it into "success". */
	if (err->code == CNI_OK)
		err->code = CNI_ERR_INTERNAL;
	return -1;
}

int cni_err_join(struct cni_err *err, const struct cni_err *more)
{
	if (!err)
		return -1;
	if (!cni_err_isset(more))
		return cni_err_isset(err) ? -1 : 0;
	if (!cni_err_isset(err)) {
		*err = *more;
		return -1;
	}
	size_t len = strlen(err->msg);
	if (snprintf(err->msg + len, sizeof(err->msg) - len, "; %s", more->msg) >=
	    (int)(sizeof(err->msg) - len))
		err->msg[sizeof(err->msg) - 1] = '\0';
	return -1;
}

void cni_err_clear(struct cni_err *err)
{
	if (!err)
		return;
	err->code = CNI_OK;
	err->msg[0] = '\0';
	err->details[0] = '\0';
}

void cni_err_print(const struct cni_err *err, const char *version, FILE *out)
{
	cJSON *obj = cJSON_CreateObject();
	char *text = NULL;
	if (!obj)
		goto fallback;
	if (version && !cJSON_AddStringToObject(obj, "cniVersion", version))
		goto fallback;
	if (!cJSON_AddNumberToObject(obj, "code", err->code) ||
	    !cJSON_AddStringToObject(obj, "msg", err->msg))
		goto fallback;
	if (err->details[0] && !cJSON_AddStringToObject(obj, "details", err->details))
		goto fallback;
	text = json_print_go(obj);
	if (!text)
		goto fallback;
	fputs(text, out);
	free(text);
	cJSON_Delete(obj);
	return;
fallback:
	/* Out of memory: still say something parseable. */
	cJSON_Delete(obj);
	fprintf(out, "{\n    \"code\": %u,\n    \"msg\": \"out of memory printing an error\"\n}",
		err->code);
}
