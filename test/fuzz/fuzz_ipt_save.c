/* libFuzzer harness for the iptables-save reader behind `cni-bridge show`
 * and `leaks` (lib/ipt/ipt_save.c: ipt_save_each_owned), which takes the
 * nat table as any rule writer on the node left it, so it must take any
 * bytes. Invariants: no crash or out-of-bounds read; every chain passed on
 * is "CNI-" plus 24 characters, every container ID is 1-255 bytes without
 * a backslash-quote. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ipt/ipt_save.h"
#include "lib/names/names.h"

static void check(const char *chain, const char *cid, void *arg)
{
	(void)arg;
	size_t n = strlen(cid);
	if (strlen(chain) != MASQ_IPT_CHAIN_LEN || strncmp(chain, "CNI-", 4) != 0 || n == 0 ||
	    n > 255 || strstr(cid, "\\\""))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	ipt_save_each_owned(buf, "\"name: \\\"net1\\\" id: ", check, NULL);
	free(buf);
	return 0;
}
