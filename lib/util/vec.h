/* Growing arrays: the one way to append to a malloc'd array.
 *
 * array_push appends to a typed array kept as a pointer, a count and
 * optionally a capacity:
 *
 *	struct spoof_rule *s = array_push(&l->v, &l->n, &l->cap, sizeof(*l->v));
 *
 * With a capacity it doubles (for arrays that collect many elements: dump
 * replies, leases); with cap NULL it grows by exactly one element (short
 * arrays in public structs that have no capacity field: a result's ips, a
 * config's ranges).
 *
 * struct vec bundles the three with the element size, for code that passes
 * the array around untyped (the netlink dump callbacks). Start it as
 * VEC_INIT(type); v ends up with whoever takes it (vec_free or free(v)). */
#pragma once
#include <stddef.h>

/* Appends a zeroed element of size elem to the array *(T **)arrp of *n
 * elements; returns it, or NULL with errno = ENOMEM (array, *n and *cap
 * unchanged). Pointers into the array are invalidated by the next push. */
void *array_push(void *arrp, size_t *n, size_t *cap, size_t elem);

struct vec {
	void *v;
	size_t n, cap, elem;
};
#define VEC_INIT(type)                                                                             \
	{                                                                                          \
		.elem = sizeof(type)                                                               \
	}

/* array_push on vec. */
void *vec_push(struct vec *vec);
/* Empties vec, keeps its memory (nl_dump's reset takes it as void *). */
void vec_reset(void *vec);
/* Frees v and empties vec (elem kept). */
void vec_free(struct vec *vec);
