/* Faulting in a fresh allocation in one system call. */
#pragma once
#include <stddef.h>

/* Makes the pages of [p, p + len) present and writable now, with one
 * madvise(MADV_POPULATE_WRITE) (Linux >= 5.14), instead of one page fault
 * per page on first touch. Worth it for buffers of hundreds of KiB that are
 * filled at once (the lease index): under a hypervisor that traps page
 * faults, each fault costs microseconds. Contents are unchanged. Best
 * effort: on an older kernel, or for a range that is not mapped anonymous
 * memory, nothing happens and the pages fault in as usual. */
void util_prefault(void *p, size_t len);

/* The first len bytes of the malloc heap made present in one call, for a
 * short-lived process that will touch them anyway: an ADD took 12-15 page
 * faults fewer with 64 KiB (107-112 -> 94-96, perf stat), each a trap to
 * the hypervisor on a VM. Call first thing in main, before any thread. */
void util_prefault_heap(size_t len);
