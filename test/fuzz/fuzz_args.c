/* libFuzzer harness for lib/cni/args (CNI_ARGS). Invariants: success means
 * every parsed key can be looked up; failure leaves the output empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cni/args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const known[] = {"MAC", "IP", NULL};
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0'; /* the environment cannot hold NULs: stop at the first */
	struct cni_args a;
	struct cni_err err = {0};
	if (cni_args_parse(s, known, &a, &err) == 0) {
		for (size_t i = 0; i < a.n; i++)
			if (!cni_args_get(&a, a.kv[i].key))
				abort();
		cni_args_free(&a);
	} else if (a.n != 0 || a.kv || err.code != CNI_ERR_INTERNAL) {
		abort();
	}
	free(s);
	return 0;
}
