/* __attribute__((cleanup)) helpers, in the style of crun's cleanup_free and
 * cleanup_close: a variable declared with one is released when it goes out
 * of scope, so early returns need no goto ladder. Initialise every such
 * variable (NULL, -1) at its declaration. Types with their own close
 * function keep a typed helper next to it (cleanup_nl in lib/nl/nl.h,
 * nft_close in lib/nft/nft.h). */
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void util_freep(void *p)
{
	free(*(void **)p);
}
static inline void util_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void util_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
/* Closes *fd (when >= 0) and sets it to -1: for fds closed before scope end. */
static inline void util_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

#define cleanup_free __attribute__((cleanup(util_freep)))
#define cleanup_close __attribute__((cleanup(util_closep)))
#define cleanup_fclose __attribute__((cleanup(util_fclosep)))
