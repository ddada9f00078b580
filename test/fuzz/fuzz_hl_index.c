/* libFuzzer harness for host-local's lease-index record parser
 * (plugin/host-local/index.c: hl_index_parse, hl_index_records). The
 * index file sits in a directory anybody with write access to the store can edit, so its parser
 * must take any bytes. The input is the records part of the file.
 * Invariants: no crash or leak; on success every live entry can be found
 * by name, and writing the table back and parsing that gives the same
 * live count (the format round-trips). The same bytes also go through the
 * version-2 reader (index_v2.c), which must take any bytes too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/strbuf.h"
#include "plugin/host-local/index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_index x = {0};
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (hl_index_parse(&x, buf, size)) {
		struct strbuf again;
		struct hl_index y = {0};
		for (size_t i = 0; i < x.n; i++)
			if (x.v[i].live && hl_index_get(&x, x.v[i].name) != &x.v[i])
				abort();
		char *text;
		size_t len;
		if (hl_index_records(&x, &again) < 0 || !(text = strbuf_take(&again, &len)))
			abort();
		if (!hl_index_parse(&y, text, len) || y.live != x.live)
			abort();
		hl_index_free(&y);
	}
	hl_index_free(&x);
	struct hl_index v2 = {0};
	hl_index_v2_records(&v2, (const char *)data, size);
	for (size_t i = 0; i < v2.n; i++)
		if (v2.v[i].live && hl_index_get(&v2, v2.v[i].name) != &v2.v[i])
			abort();
	hl_index_free(&v2);
	return 0;
}
