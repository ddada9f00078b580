/* Version 2 of the lease index's records, read only: a machine upgraded
 * and rebooted at once has a version-2 index, and boot.c reads it to find
 * the leases of the earlier boot. The first locked call of this version
 * rewrites the index as version 3 (index.c), so this runs at most once per
 * store. Records: "+<name> <ino> <owner>\n" and "-<name>\n", name and owner
 * %XX-escaped (hl_unescape). */
#include <inttypes.h>
#include <string.h>
#include "lib/cni/error.h"
#include "plugin/host-local/index.h"

/* [p, end) into out (cap bytes, NUL included), %XX decoded; false when
 * it does not fit, holds a NUL or a malformed escape. */
static bool unescape(const char *p, const char *end, char *out, size_t cap)
{
	size_t n = (size_t)(end - p);
	if (n >= cap || memchr(p, '\0', n))
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return hl_unescape(out);
}

/* One line [p, nl): false when malformed. */
static bool v2_line(struct hl_index *x, const char *p, const char *nl)
{
	char name[HL_LEASE_MAX], owner[HL_LEASE_MAX];
	if (p == nl)
		return false; /* an empty line: no op to read */
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
