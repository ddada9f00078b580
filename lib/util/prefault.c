#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/util/prefault.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Below this, glibc's heap pages are mostly present already. */
#define PREFAULT_MIN (64 * 1024)

void util_prefault(void *p, size_t len)
{
	if (!p || len < PREFAULT_MIN)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

void util_prefault_heap(size_t len)
{
	/* The block comes from the start of the fresh heap; freed, it merges
	 * into the top chunk, and glibc trims a heap only from its far end,
	 * so the next allocations land on these pages. */
	void *p = malloc(len);

	util_prefault(p, len);
	free(p);
}
