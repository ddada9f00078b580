/* Growing arrays; see vec.h. */
#include "lib/util/vec.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *array_push(void *arrp, size_t *n, size_t *cap, size_t elem)
{
	void **arr = arrp;
	size_t have = cap ? *cap : *n, want = have;
	char *p = *arr;

	if (*n == have) {
		want = !cap ? have + 1 : have ? have * 2 : 8;
		p = want > SIZE_MAX / elem ? NULL : realloc(*arr, want * elem);
		if (!p) {
			errno = ENOMEM;
			return NULL;
		}
		*arr = p;
		if (cap)
			*cap = want;
	}
	memset(p + *n * elem, 0, elem);
	return p + (*n)++ * elem;
}

void *vec_push(struct vec *vec)
{
	return array_push(&vec->v, &vec->n, &vec->cap, vec->elem);
}

void vec_reset(void *vec)
{
	((struct vec *)vec)->n = 0;
}

void vec_free(struct vec *vec)
{
	free(vec->v);
	vec->v = NULL;
	vec->n = vec->cap = 0;
}
