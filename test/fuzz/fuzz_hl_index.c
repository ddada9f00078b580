/* libFuzzer harness for host-local's lease-index record parser
 * (plugin/host-local/index.c, compiled in). The index file sits in a
 * directory anybody with write access to the store can edit, so its parser
 * must take any bytes. The input is the records part of the file.
 * Invariants: no crash or leak; on success every live entry can be found
 * by name, and writing the table back and parsing that gives the same
 * live count (escaping round-trips). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/host-local/index.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_index x = {0};
	char *buf = malloc(size + 1);
	if (!buf || grow_to(&x, 1) < 0) {
		free(buf);
		hl_index_free(&x);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	x.file = buf;
	if (load_records(&x, buf)) {
		struct hl_index copy = {0};
		for (size_t i = 0; i < x.n; i++)
			if (x.v[i].live && hl_index_get(&x, x.v[i].name) != &x.v[i])
				abort();
		for (size_t i = 0; i < x.n; i++)
			if (x.v[i].live &&
			    journal_add(&copy, '+', x.v[i].name, x.v[i].ino, x.v[i].owner) < 0)
				abort();
		struct hl_index y = {0};
		if (grow_to(&y, 1) < 0)
			abort();
		char *again = strbuf_take(&copy.journal, NULL);
		if (!again)
			abort();
		y.file = again;
		if (!load_records(&y, again) || y.live != x.live)
			abort();
		hl_index_free(&y);
	}
	hl_index_free(&x);
	return 0;
}
