/* Strict JSON parsing on top of cJSON, and getters with Go decoder habits.
 *
 * cJSON alone is too lenient for a drop-in of Go's encoding/json: it accepts
 * "01", "+1", ".5", raw control characters in strings and trailing garbage,
 * and it forgets whether a number was written as 1500 or 1500.0. So a small
 * validator walks the text first with Go's grammar and error texts, noting for
 * every number token whether it was an integer literal. cJSON keeps duplicate
 * keys and its tree in pre-order equals document order, so the k-th number
 * token is the k-th number item; the flags go beside cJSON's type bits,
 * into a flagged number's valueint (json_number_flags). */
#include "lib/cni/json.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/util/vec.h"

#define JSON_MAX_DEPTH 512 /* below cJSON's own limit of 1000 */

struct scan {
	const char *s;
	size_t len, pos;
	int depth;
	const char *fail; /* Go's text for the first syntax error */
	char failbuf[96];
	int *flags; /* one entry per number token, in order */
	size_t n_flags, cap_flags;
	bool oom;
};

static bool at_end(const struct scan *sc)
{
	return sc->pos >= sc->len;
}

static int peek(const struct scan *sc)
{
	return at_end(sc) ? -1 : (unsigned char)sc->s[sc->pos];
}

static void skip_ws(struct scan *sc)
{
	while (!at_end(sc)) {
		char c = sc->s[sc->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		sc->pos++;
	}
}

/* Go's quoteChar: 'x', or an escape for what is not printable ASCII. */
static bool fail_at(struct scan *sc, const char *context)
{
	if (sc->fail)
		return false;
	if (at_end(sc)) {
		sc->fail = "unexpected end of JSON input";
		return false;
	}
	unsigned char c = (unsigned char)sc->s[sc->pos];
	char q[8];
	if (c == '\'')
		snprintf(q, sizeof(q), "'\\''");
	else if (c >= 0x20 && c < 0x7f)
		snprintf(q, sizeof(q), "'%c'", c);
	else
		snprintf(q, sizeof(q), "'\\x%02x'", c);
	snprintf(sc->failbuf, sizeof(sc->failbuf), "invalid character %s %s", q, context);
	sc->fail = sc->failbuf;
	return false;
}

static bool push_flag(struct scan *sc, int flag)
{
	int *slot = array_push(&sc->flags, &sc->n_flags, &sc->cap_flags, sizeof(*slot));

	if (!slot) {
		sc->oom = true;
		sc->fail = "out of memory";
		return false;
	}
	*slot = flag;
	return true;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool digits(struct scan *sc)
{
	if (!is_digit(peek(sc)))
		return fail_at(sc, "in numeric literal");
	while (is_digit(peek(sc)))
		sc->pos++;
	return true;
}

static int integer_range_flag(const char *tok, size_t n)
{
	/* Up to 18 digits always fit in a long long. */
	if (n <= 18)
		return 0;
	char buf[64];
	if (n >= sizeof(buf))
		return JSON_INT_OUT_OF_RANGE;
	memcpy(buf, tok, n);
	buf[n] = '\0';
	errno = 0;
	(void)strtoll(buf, NULL, 10);
	return errno == ERANGE ? JSON_INT_OUT_OF_RANGE : 0;
}

static bool scan_number(struct scan *sc)
{
	size_t start = sc->pos;
	int flag = 0;
	if (peek(sc) == '-')
		sc->pos++;
	if (peek(sc) == '0')
		sc->pos++;
	else if (!digits(sc))
		return false;
	if (peek(sc) == '.') {
		sc->pos++;
		flag = JSON_NONINTEGER_LITERAL;
		if (!digits(sc))
			return false;
	}
	if (peek(sc) == 'e' || peek(sc) == 'E') {
		sc->pos++;
		flag = JSON_NONINTEGER_LITERAL;
		if (peek(sc) == '+' || peek(sc) == '-')
			sc->pos++;
		if (!digits(sc))
			return false;
	}
	if (!flag)
		flag = integer_range_flag(sc->s + start, sc->pos - start);
	return push_flag(sc, flag);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Go takes "\u0000" in a string; a C string would silently end there, so
 * "net\u0000x" would pass every check as "net". Refuse it and quote the
 * start of the string so the message names the culprit. */
static bool fail_nul(struct scan *sc, size_t start)
{
	size_t n = sc->pos - start;
	snprintf(sc->failbuf, sizeof(sc->failbuf), "\\u0000 (NUL) in the string %.*s%s",
		 (int)(n > 48 ? 48 : n), sc->s + start, n > 48 ? "..." : "");
	sc->fail = sc->failbuf;
	return false;
}

static bool scan_string(struct scan *sc)
{
	size_t start = sc->pos;
	sc->pos++; /* opening quote */
	for (;;) {
		int c = peek(sc);
		if (c < 0)
			return fail_at(sc, "");
		if (c == '"') {
			sc->pos++;
			return true;
		}
		if (c < 0x20)
			return fail_at(sc, "in string literal");
		sc->pos++;
		if (c != '\\')
			continue;
		c = peek(sc);
		if (c < 0)
			return fail_at(sc, "");
		if (strchr("\"\\/bfnrt", c) && c != 0) {
			sc->pos++;
			continue;
		}
		if (c != 'u')
			return fail_at(sc, "in string escape code");
		sc->pos++;
		int code = 0;
		for (int i = 0; i < 4; i++) {
			int h = hexval(peek(sc));
			if (h < 0)
				return fail_at(sc, "in \\u hexadecimal character escape");
			code = code << 4 | h;
			sc->pos++;
		}
		if (code == 0)
			return fail_nul(sc, start);
	}
}

static bool scan_literal(struct scan *sc, const char *word)
{
	for (size_t i = 0; word[i]; i++) {
		if (peek(sc) != word[i]) {
			char ctx[48];
			snprintf(ctx, sizeof(ctx), "in literal %s (expecting '%c')", word, word[i]);
			if (i == 0)
				return fail_at(sc, "looking for beginning of value");
			return fail_at(sc, ctx);
		}
		sc->pos++;
	}
	return true;
}

static bool scan_value(struct scan *sc);

static bool scan_object(struct scan *sc)
{
	sc->pos++;
	skip_ws(sc);
	if (peek(sc) == '}') {
		sc->pos++;
		return true;
	}
	for (;;) {
		skip_ws(sc);
		if (peek(sc) != '"')
			return fail_at(sc, "looking for beginning of object key string");
		if (!scan_string(sc))
			return false;
		skip_ws(sc);
		if (peek(sc) != ':')
			return fail_at(sc, "after object key");
		sc->pos++;
		if (!scan_value(sc))
			return false;
		skip_ws(sc);
		if (peek(sc) == '}') {
			sc->pos++;
			return true;
		}
		if (peek(sc) != ',')
			return fail_at(sc, "after object key:value pair");
		sc->pos++;
	}
}

static bool scan_array(struct scan *sc)
{
	sc->pos++;
	skip_ws(sc);
	if (peek(sc) == ']') {
		sc->pos++;
		return true;
	}
	for (;;) {
		if (!scan_value(sc))
			return false;
		skip_ws(sc);
		if (peek(sc) == ']') {
			sc->pos++;
			return true;
		}
		if (peek(sc) != ',')
			return fail_at(sc, "after array element");
		sc->pos++;
	}
}

static bool scan_value(struct scan *sc)
{
	skip_ws(sc);
	int c = peek(sc);
	switch (c) {
	case '{':
	case '[': {
		if (++sc->depth > JSON_MAX_DEPTH) {
			sc->fail = "exceeded max depth";
			return false;
		}
		bool ok = c == '{' ? scan_object(sc) : scan_array(sc);
		sc->depth--;
		return ok;
	}
	case '"':
		return scan_string(sc);
	case 't':
		return scan_literal(sc, "true");
	case 'f':
		return scan_literal(sc, "false");
	case 'n':
		return scan_literal(sc, "null");
	default:
		if (c == '-' || is_digit(c))
			return scan_number(sc);
		return fail_at(sc, "looking for beginning of value");
	}
}

/* The valueint cJSON gives a number: valuedouble saturated to an int. */
static int cjson_int(double d)
{
	if (d >= (double)INT_MAX)
		return INT_MAX;
	if (d <= (double)INT_MIN)
		return INT_MIN;
	return (int)d;
}

/* A flagged number's valueint: INT_MIN + flags, or INT_MIN + 4 + flags when
 * the first equals cjson_int(valuedouble), so it never looks unflagged. */
static void set_flags(cJSON *item, int flags)
{
	int v = INT_MIN + flags;

	if (!flags)
		return;
	if (v == cjson_int(item->valuedouble))
		v += 4;
	item->valueint = v;
}

int json_number_flags(const cJSON *item)
{
	long long off;

	if (!cJSON_IsNumber(item) || item->valueint == cjson_int(item->valuedouble))
		return 0;
	off = (long long)item->valueint - INT_MIN;
	return off >= 1 && off <= 7 ? (int)(off & 3) : 0;
}

/* Pre-order walk handing out the flags; returns false on a count mismatch. */
static bool apply_flags(cJSON *item, const int *flags, size_t n, size_t *k)
{
	for (; item; item = item->next) {
		if (cJSON_IsNumber(item)) {
			if (*k >= n)
				return false;
			set_flags(item, flags[(*k)++]);
		}
		if (item->child && !apply_flags(item->child, flags, n, k))
			return false;
	}
	return true;
}

cJSON *json_parse(const char *text, size_t len, const char *what, struct cni_err *err)
{
	struct scan sc = {.s = text, .len = len};
	cJSON *root = NULL;
	if (!text)
		sc.len = 0;
	if (scan_value(&sc)) {
		skip_ws(&sc);
		if (!at_end(&sc))
			fail_at(&sc, "after top-level value");
	}
	if (sc.fail) {
		cni_err_set(err, sc.oom ? CNI_ERR_INTERNAL : CNI_ERR_DECODE, "%s: %s at offset %zu",
			    what, sc.fail, sc.pos);
		goto out;
	}
	const char *end = NULL;
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		/* The grammar was fine, so cJSON refused a lone UTF-16 surrogate
		 * or ran out of memory. */
		size_t off = end && end >= text ? (size_t)(end - text) : 0;
		cni_err_set(err, CNI_ERR_DECODE,
			    "%s: cannot decode the value at offset %zu (lone UTF-16 surrogate in a "
			    "\\u escape?)",
			    what, off);
		goto out;
	}
	size_t k = 0;
	if (!apply_flags(root, sc.flags, sc.n_flags, &k) || k != sc.n_flags) {
		cJSON_Delete(root);
		root = NULL;
		cni_err_set(err, CNI_ERR_INTERNAL, "%s: number tokens and parsed numbers disagree",
			    what);
	}
out:
	free(sc.flags);
	return root;
}

cJSON *json_get(const cJSON *obj, const char *key)
{
	cJSON *found = NULL;
	if (!cJSON_IsObject(obj))
		return NULL;
	for (cJSON *c = obj->child; c; c = c->next)
		if (c->string && strcasecmp(c->string, key) == 0 && !cJSON_IsNull(c))
			found = c;
	return found;
}

static const char *type_name(const cJSON *item)
{
	switch (item->type & 0xFF) {
	case cJSON_False:
	case cJSON_True:
		return "a bool";
	case cJSON_NULL:
		return "null";
	case cJSON_Number:
		return "a number";
	case cJSON_String:
		return "a string";
	case cJSON_Array:
		return "an array";
	case cJSON_Object:
		return "an object";
	default:
		return "an unknown value";
	}
}

static int mismatch(const cJSON *item, const char *what, const char *want, struct cni_err *err)
{
	return cni_err_set(err, CNI_ERR_DECODE, "%s: expected %s, got %s", what, want,
			   type_name(item));
}

int json_as_int(const cJSON *item, const char *what, long long *out, struct cni_err *err)
{
	if (!cJSON_IsNumber(item))
		return mismatch(item, what, "an integer", err);
	if (json_number_flags(item) & JSON_NONINTEGER_LITERAL)
		return cni_err_set(
		    err, CNI_ERR_DECODE,
		    "%s: expected an integer, got a number with a fraction or exponent", what);
	double d = item->valuedouble;
	if ((json_number_flags(item) & JSON_INT_OUT_OF_RANGE) || d >= 9223372036854775808.0 ||
	    d < -9223372036854775808.0 || d != d)
		return cni_err_set(err, CNI_ERR_DECODE, "%s: integer out of range", what);
	/* Only trees built in code can get here with a fraction. */
	if (d != (double)(long long)d)
		return cni_err_set(err, CNI_ERR_DECODE, "%s: expected an integer, got %g", what, d);
	*out = (long long)d;
	return 0;
}

int json_as_string(const cJSON *item, const char *what, const char **out, struct cni_err *err)
{
	if (!cJSON_IsString(item))
		return mismatch(item, what, "a string", err);
	*out = item->valuestring;
	return 0;
}

static void quote_key(char *buf, size_t size, const char *key)
{
	snprintf(buf, size, "\"%s\"", key);
}

int json_get_bool(const cJSON *obj, const char *key, bool *out, struct cni_err *err)
{
	const cJSON *item = json_get(obj, key);
	if (!item)
		return 0;
	if (!cJSON_IsBool(item)) {
		char what[160];
		quote_key(what, sizeof(what), key);
		return mismatch(item, what, "a bool", err);
	}
	*out = cJSON_IsTrue(item);
	return 0;
}

int json_get_int(const cJSON *obj, const char *key, long long *out, struct cni_err *err)
{
	const cJSON *item = json_get(obj, key);
	if (!item)
		return 0;
	char what[160];
	quote_key(what, sizeof(what), key);
	return json_as_int(item, what, out, err);
}

int json_get_string(const cJSON *obj, const char *key, const char **out, struct cni_err *err)
{
	const cJSON *item = json_get(obj, key);
	if (!item)
		return 0;
	char what[160];
	quote_key(what, sizeof(what), key);
	return json_as_string(item, what, out, err);
}

static int get_typed(const cJSON *obj, const char *key, int type, const char *want,
		     const cJSON **out, struct cni_err *err)
{
	const cJSON *item = json_get(obj, key);
	if (!item)
		return 0;
	if ((item->type & 0xFF) != type) {
		char what[160];
		quote_key(what, sizeof(what), key);
		return mismatch(item, what, want, err);
	}
	*out = item;
	return 0;
}

int json_get_object(const cJSON *obj, const char *key, const cJSON **out, struct cni_err *err)
{
	return get_typed(obj, key, cJSON_Object, "an object", out, err);
}

int json_get_array(const cJSON *obj, const char *key, const cJSON **out, struct cni_err *err)
{
	return get_typed(obj, key, cJSON_Array, "an array", out, err);
}
