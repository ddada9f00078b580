/* A growing string: the one string builder. Start it as STRBUF_INIT. After
 * any failed append (out of memory, or past max when max is set) the
 * buffer is marked failed and later appends do nothing, so a builder can
 * append freely and check once at the end. p is NUL-terminated whenever it
 * is not NULL; it may hold NUL bytes itself (strbuf_add of binary data).
 * Code that must hand a FILE * to an API (cni_run's output, in
 * lib/ipam/inproc.c) uses open_memstream instead. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *p;
	size_t len, cap;
	size_t max;   /* 0: no limit; else len never exceeds it */
	bool failed;  /* an append did not fit (oom, or max) */
	bool too_big; /* ... because of max */
};
#define STRBUF_INIT                                                                                \
	{                                                                                          \
		0                                                                                  \
	}

/* Each returns 0, or -1 when the buffer is (now) failed. */
int strbuf_add(struct strbuf *b, const void *s, size_t n);
int strbuf_puts(struct strbuf *b, const char *s);
int strbuf_putc(struct strbuf *b, char c);
int strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Makes room for at least n more bytes (plus the NUL) at p + len, for a
 * caller that reads into the buffer and then adds to len itself; the room
 * is cap - len - 1. Returns 0 or -1 (failed). */
int strbuf_reserve(struct strbuf *b, size_t n);
/* Hands over p (never NULL: "" for an empty buffer; NULL only when out of
 * memory) and empties b. Check b->failed first. */
char *strbuf_take(struct strbuf *b, size_t *len);
void strbuf_free(struct strbuf *b);
