/* Printing cJSON trees the way Go's encoding/json does: MarshalIndent with a
 * 4-space indent (or Marshal's compact form), Go's string escaping and Go's
 * integer formatting. cJSON_Print's tab format is not what runtimes see from
 * the reference plugins. */
#include "lib/cni/json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util/strbuf.h"

struct out {
	struct strbuf b;
	bool pretty;
};

static void put(struct out *o, const char *s, size_t n)
{
	strbuf_add(&o->b, s, n);
}

static void puts_(struct out *o, const char *s)
{
	strbuf_puts(&o->b, s);
}

static void newline(struct out *o, int depth)
{
	if (!o->pretty)
		return;
	put(o, "\n", 1);
	for (int i = 0; i < depth; i++)
		put(o, "    ", 4);
}

/* Length of the valid UTF-8 sequence at s (Go's utf8.DecodeRune rules: no
 * overlongs, no surrogates, nothing above U+10FFFF), or 0 if invalid. Sets
 * *cp to the code point. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2, v = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, v = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

static void put_string(struct out *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	put(o, "\"", 1);
	while (*s) {
		uint32_t cp;
		size_t n = utf8_seq(s, &cp);
		char esc[8];
		if (n == 0) {
			puts_(o, "\\ufffd"); /* Go replaces each invalid byte */
			s++;
			continue;
		}
		switch (cp) {
		case '"':
			puts_(o, "\\\"");
			break;
		case '\\':
			puts_(o, "\\\\");
			break;
		case '\n':
			puts_(o, "\\n");
			break;
		case '\r':
			puts_(o, "\\r");
			break;
		case '\t':
			puts_(o, "\\t");
			break;
		case '\b':
			puts_(o, "\\b");
			break;
		case '\f':
			puts_(o, "\\f");
			break;
		case '<':
		case '>':
		case '&': /* Go's HTML-safe default */
		case 0x2028:
		case 0x2029:
			snprintf(esc, sizeof(esc), "\\u%04x", cp);
			puts_(o, esc);
			break;
		default:
			if (cp < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", cp);
				puts_(o, esc);
			} else {
				put(o, (const char *)s, n);
			}
		}
		s += n;
	}
	put(o, "\"", 1);
}

/* Go's encoding/json form of the numbers we print, all integers (error
 * codes, MTUs, ports): plain digits, "-0" kept. No production caller has
 * anything else; a fraction falls back to %.17g, valid JSON that reads back
 * to the same double. */
static void put_number(struct out *o, double d)
{
	if (!isfinite(d))
		puts_(o, "null"); /* Go refuses to encode these; null is the safe choice */
	else if (__builtin_fabs(d) < 9007199254740992.0 && d == (double)(long long)d)
		strbuf_addf(&o->b, "%.0f", d);
	else
		strbuf_addf(&o->b, "%.17g", d);
}

static void put_value(struct out *o, const cJSON *item, int depth)
{
	switch (item->type & 0xFF) {
	case cJSON_False:
		puts_(o, "false");
		break;
	case cJSON_True:
		puts_(o, "true");
		break;
	case cJSON_NULL:
		puts_(o, "null");
		break;
	case cJSON_Number:
		put_number(o, item->valuedouble);
		break;
	case cJSON_String:
		put_string(o, item->valuestring ? item->valuestring : "");
		break;
	case cJSON_Raw:
		puts_(o, item->valuestring ? item->valuestring : "null");
		break;
	case cJSON_Array:
	case cJSON_Object: {
		bool is_obj = (item->type & 0xFF) == cJSON_Object;
		put(o, is_obj ? "{" : "[", 1);
		for (const cJSON *c = item->child; c; c = c->next) {
			newline(o, depth + 1);
			if (is_obj) {
				put_string(o, c->string ? c->string : "");
				puts_(o, o->pretty ? ": " : ":");
			}
			put_value(o, c, depth + 1);
			if (c->next)
				put(o, ",", 1);
		}
		if (item->child)
			newline(o, depth);
		put(o, is_obj ? "}" : "]", 1);
		break;
	}
	default:
		puts_(o, "null");
	}
}

static char *print(const cJSON *item, bool pretty)
{
	struct out o = {.b = STRBUF_INIT, .pretty = pretty};
	if (!item)
		return NULL;
	put_value(&o, item, 0);
	if (o.b.failed) {
		strbuf_free(&o.b);
		return NULL;
	}
	return strbuf_take(&o.b, NULL);
}

char *json_print_go(const cJSON *item)
{
	return print(item, true);
}

char *json_print_compact(const cJSON *item)
{
	return print(item, false);
}
