/* libFuzzer harness for host-local's boot record parser
 * (plugin/host-local/boot.c, compiled in). The record sits in a directory
 * anybody with write access to the store can edit, so its parser must take
 * any bytes. The input is the lines after the record's first line, matched
 * against a fixed table of leases. Invariants: no crash or leak; only a
 * lease named like an address with readable content is ever marked; the
 * marked leases written back as the plugin writes them and parsed again
 * mark exactly the same leases, with no stale line (escaping round-trips). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/host-local/boot.c"
#include "plugin/host-local/fdutil.c"
#include "plugin/host-local/index.c"

static const char *const names[] = {"10.0.0.2", "10.0.0.3", "fd00::4", "10.0.0.5", "notes"};
static const char *const owners[] = {"a\r\neth0", "b%1 x\r\neth1", "c", "", "a\r\neth0"};
#define N (sizeof(names) / sizeof(names[0]))

static unsigned marks(const struct hl_index *x)
{
	unsigned m = 0;
	for (size_t i = 0; i < N; i++) {
		const struct hl_lease *l = hl_index_get(x, names[i]);
		if (l && l->earlier_boot)
			m |= 1u << i;
	}
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_index x = {0};
	struct cni_err err = {0};
	for (size_t i = 0; i < N; i++)
		if (hl_index_put(&x, names[i], 100 + i, owners[i], &err) < 0)
			abort();
	char *buf = malloc(size + 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	mark_recorded(&x, buf);
	free(buf);
	unsigned m = marks(&x);
	if (m & ((1u << 3) | (1u << 4))) /* empty owner, not an address */
		abort();
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	for (size_t i = 0; i < x.n; i++)
		if (x.v[i].live && x.v[i].earlier_boot) {
			fprintf(f, "%s %llu ", x.v[i].name, (unsigned long long)x.v[i].ino);
			rec_escape(f, x.v[i].owner);
			fputc('\n', f);
			x.v[i].earlier_boot = false;
		}
	fclose(f);
	if (mark_recorded(&x, out) || marks(&x) != m)
		abort();
	free(out);
	hl_index_free(&x);
	return 0;
}
