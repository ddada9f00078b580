/* CNI_ARGS with the strictness of Go's types.LoadArgs. */
#include "lib/cni/args.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/names/quote.h"

static bool is_known(const char *key, const char *const known[])
{
	if (strcmp(key, "IgnoreUnknown") == 0)
		return true;
	for (size_t i = 0; known && known[i]; i++)
		if (strcmp(key, known[i]) == 0)
			return true;
	return false;
}

/* Go's UnmarshallableBool: 1/true/0/false in any case. */
static int parse_ignore_unknown(const struct cni_kv *kv, bool *out, struct cni_err *err)
{
	const char *val = kv->val;
	if (strcasecmp(val, "1") == 0 || strcasecmp(val, "true") == 0) {
		*out = true;
		return 0;
	}
	if (strcasecmp(val, "0") == 0 || strcasecmp(val, "false") == 0) {
		*out = false;
		return 0;
	}
	char whole[512], q[600], lower[256];
	size_t n = 0, i = 0;
	snprintf(whole, sizeof(whole), "%s=%.250s", kv->key, val);
	go_quote(whole, q, sizeof(q), &n);
	for (; val[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)((val[i] >= 'A' && val[i] <= 'Z') ? val[i] + 32 : val[i]);
	lower[i] = '\0';
	return cni_err_set(err, CNI_ERR_INTERNAL,
			   "ARGS: error parsing value of pair %s: boolean unmarshal error: invalid "
			   "input %s",
			   q, lower);
}

/* Splits one "K=V" piece; exactly one '=' is allowed (an empty key or value
 * is fine, as strings.Split gives two parts). */
static int split_pair(char *piece, struct cni_kv *kv, struct cni_err *err)
{
	char *eq = strchr(piece, '=');
	if (!eq || strchr(eq + 1, '=')) {
		char q[512];
		size_t n = 0;
		go_quote(piece, q, sizeof(q), &n);
		return cni_err_set(err, CNI_ERR_INTERNAL, "ARGS: invalid pair %s", q);
	}
	*eq = '\0';
	kv->key = piece;
	kv->val = eq + 1;
	return 0;
}

/* Appends the pair, Go-quoted, to the list of unknown ones. */
static void note_unknown(char *list, size_t size, size_t *len, const struct cni_kv *kv)
{
	char whole[512];
	if (*len + 4 > size) /* full: not even a space and "" fit */
		return;
	if (*len)
		list[(*len)++] = ' ';
	snprintf(whole, sizeof(whole), "%.250s=%.250s", kv->key, kv->val);
	go_quote(whole, list, size, len);
}

int cni_args_parse(const char *s, const char *const known[], struct cni_args *out,
		   struct cni_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return 0;
	size_t pieces = 1;
	for (const char *p = s; *p; p++)
		pieces += *p == ';';
	/* One buffer holds all the strings; kv[0].key points at its start. */
	char *buf = strdup(s);
	struct cni_kv *kv = calloc(pieces, sizeof(*kv));
	char unknown[CNI_ERR_MSG_MAX] = "";
	size_t ulen = 0;
	bool ignore = false;
	if (!buf || !kv) {
		cni_err_set(err, CNI_ERR_INTERNAL, "ARGS: out of memory");
		goto fail;
	}
	char *piece = buf;
	for (size_t i = 0; i < pieces; i++) {
		char *next = strchr(piece, ';');
		if (next)
			*next++ = '\0';
		if (split_pair(piece, &kv[i], err) < 0)
			goto fail;
		/* Go sets each known field as it goes, so the last value wins. */
		if (strcmp(kv[i].key, "IgnoreUnknown") == 0) {
			if (parse_ignore_unknown(&kv[i], &ignore, err) < 0)
				goto fail;
		} else if (!is_known(kv[i].key, known)) {
			note_unknown(unknown, sizeof(unknown), &ulen, &kv[i]);
		}
		piece = next;
	}
	if (ulen && !ignore) {
		cni_err_set(err, CNI_ERR_INTERNAL, "ARGS: unknown args [%s]", unknown);
		goto fail;
	}
	out->kv = kv;
	out->n = pieces;
	out->ignore_unknown = ignore;
	return 0;
fail:
	free(buf);
	free(kv);
	return -1;
}

const char *cni_args_get(const struct cni_args *a, const char *key)
{
	const char *val = NULL;
	for (size_t i = 0; a && i < a->n; i++)
		if (strcmp(a->kv[i].key, key) == 0)
			val = a->kv[i].val;
	return val;
}

void cni_args_free(struct cni_args *a)
{
	if (!a)
		return;
	if (a->n)
		free(a->kv[0].key);
	free(a->kv);
	memset(a, 0, sizeof(*a));
}
