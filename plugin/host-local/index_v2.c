/* Version 2 of the lease index's records, read only: a machine upgraded
 * and rebooted at once has a version-2 index, and boot.c reads it to find
 * the leases of the earlier boot. The first locked call of this version
 * rewrites the index as version 3 (index.c), so this runs at most once per
 * store. Records: "+<name> <ino> <owner>\n" and "-<name>\n", name and owner
 * %XX-escaped (upper-case hex). */
#include <inttypes.h>
#include <string.h>
#include "lib/cni/error.h"
#include "plugin/host-local/index.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescapes [p, end) into out (room: cap bytes, NUL included); false on a
 * malformed escape, a NUL, or no room. */
static bool unescape(const char *p, const char *end, char *out, size_t cap)
{
	size_t n = 0;
	for (; p < end; n++) {
		if (n + 1 >= cap)
			return false;
		int c = (unsigned char)*p++;
		if (c == '%') {
			int hi = end - p >= 2 ? hexval(p[0]) : -1, lo = hi < 0 ? -1 : hexval(p[1]);
			if (lo < 0)
				return false;
			c = hi << 4 | lo;
			p += 2;
		}
		if (c == 0)
			return false;
		out[n] = (char)c;
	}
	out[n] = '\0';
	return true;
}

/* One line [p, nl): false when malformed. */
static bool v2_line(struct hl_index *x, const char *p, const char *nl)
{
	char name[HL_LEASE_MAX], owner[HL_LEASE_MAX];
	char op = *p++;
	const char *sp = memchr(p, ' ', (size_t)(nl - p));
	if (op == '-')
		sp = NULL;
	if ((op != '+' && op != '-') || (op == '+' && !sp) ||
	    !unescape(p, sp ? sp : nl, name, sizeof(name)) || !*name || strchr(name, '/') ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	if (op == '-') {
		hl_index_del(x, name);
		return true;
	}
	uint64_t ino = 0;
	const char *q = sp + 1;
	for (; q < nl && *q >= '0' && *q <= '9'; q++)
		ino = ino * 10 + (uint64_t)(*q - '0');
	struct cni_err err = {0};
	return q > sp + 1 && q < nl && *q == ' ' && unescape(q + 1, nl, owner, sizeof(owner)) &&
	       hl_index_put(x, name, ino, owner, &err) == 0;
}

void hl_index_v2_records(struct hl_index *x, const char *p, size_t len)
{
	const char *end = p + len, *nl;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) && v2_line(x, p, nl))
		p = nl + 1;
}
