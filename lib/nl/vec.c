/* The growing arrays dump callbacks fill (see msg.h). */
#include "lib/nl/msg.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void *nl_vec_push(struct nl_vec *vec)
{
	char *slot;

	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 8;
		void *nv = realloc(vec->v, cap * vec->elem);
		if (!nv) {
			errno = ENOMEM;
			return NULL;
		}
		vec->v = nv;
		vec->cap = cap;
	}
	slot = (char *)vec->v + vec->n++ * vec->elem;
	memset(slot, 0, vec->elem);
	return slot;
}

void nl_vec_reset(void *vec)
{
	((struct nl_vec *)vec)->n = 0;
}
