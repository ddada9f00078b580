/* Go's strconv.Quote; see quote.h. */
#include "lib/names/quote.h"

#include <stdio.h>
#include <string.h>

/* The escape of byte c into buf (at most 5 bytes with the NUL); its length. */
static size_t escape(unsigned char c, char *buf)
{
	static const char from[] = "\a\b\f\n\r\t\v\"\\";
	static const char to[] = "abfnrtv\"\\";
	const char *e = c ? strchr(from, c) : NULL;

	if (e) {
		buf[0] = '\\';
		buf[1] = to[e - from];
		return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(buf, 5, "\\x%02x", c);
		return 4;
	}
	buf[0] = (char)c;
	return 1;
}

int go_quote_n(const char *s, size_t n, char *out, size_t size, size_t *pos)
{
	char buf[5];
	int rc = 0;

	if (*pos + 3 > size) /* room for "" and the NUL */
		return -1;
	out[(*pos)++] = '"';
	for (size_t i = 0; i < n; i++) {
		size_t len = escape((unsigned char)s[i], buf);

		if (*pos + len + 2 > size) { /* keep room for the closing quote */
			rc = -1;
			break;
		}
		memcpy(out + *pos, buf, len);
		*pos += len;
	}
	out[(*pos)++] = '"';
	out[*pos] = '\0';
	return rc;
}

int go_quote(const char *s, char *out, size_t size, size_t *pos)
{
	return go_quote_n(s, strlen(s), out, size, pos);
}
