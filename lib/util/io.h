/* Whole reads and writes through short counts and EINTR. */
#pragma once
#include <sys/types.h>
/* Reads until len bytes or EOF; returns the count or -1. */
ssize_t util_read_full(int fd, void *buf, size_t len);
/* Writes all of buf; returns 0 or -1 (errno set). */
int util_write_full(int fd, const void *buf, size_t len);
