/* libFuzzer harness for host-local's boot record parser
 * (plugin/host-local/boot.c). The record sits in a directory anybody with
 * write access to the store can edit, so its parser must take any bytes.
 * The input is the lines after the record's first line (which names the
 * current boot), matched against a fixed table of leases. Invariants: no
 * crash or leak; only a lease named like an address with readable content
 * is marked; the marked leases written back by hl_boot_flush and read again
 * mark exactly the same leases (escaping round-trips). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plugin/host-local/boot.h"

static const char *const names[] = {"10.0.0.2", "10.0.0.3", "fd00::4", "10.0.0.5", "notes"};
static const char *const owners[] = {"a\r\neth0", "b%1 x\r\neth1", "c", "", "a\r\neth0"};
#define N (sizeof(names) / sizeof(names[0]))
#define ID "0f0f-fuzz"

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

static int store_dir(void)
{
	static int fd = -1;
	static char dir[] = "/tmp/fuzz-hl-boot-XXXXXX";
	if (fd < 0 && mkdtemp(dir))
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int dirfd = store_dir();
	int fd = openat(dirfd, HL_BOOT_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "cni-bridge-boot 1 " ID "\n", 19 + strlen(ID)) < 0 ||
	    write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
	struct hl_index x = {0};
	struct cni_err err = {0};
	for (size_t i = 0; i < N; i++)
		if (hl_index_put(&x, names[i], 100 + i, owners[i], &err) < 0)
			abort();
	hl_boot_mark(&x, dirfd, ID);
	unsigned m = marks(&x);
	if (m & ((1u << 3) | (1u << 4))) /* empty owner, not an address */
		abort();
	struct hl_boot b = {.enabled = true, .dirty = true, .id = ID};
	hl_boot_flush(&b, &x, dirfd);
	for (size_t i = 0; i < x.n; i++)
		x.v[i].earlier_boot = false;
	hl_boot_mark(&x, dirfd, ID);
	if (marks(&x) != m)
		abort();
	hl_index_free(&x);
	return 0;
}
