/* Small fd and memory helpers for __attribute__((cleanup)) and short I/O. */
#pragma once
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static inline void hl_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void hl_freep(void *p)
{
	free(*(void **)p);
}
/* Reads until len bytes or EOF; returns the count or -1. */
ssize_t hl_read_full(int fd, void *buf, size_t len);
/* Writes all of buf; returns 0 or -1 (errno set). */
int hl_write_full(int fd, const void *buf, size_t len);
