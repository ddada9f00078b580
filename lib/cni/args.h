/* CNI_ARGS ("K=V;K2=V2") parsed with Go types.LoadArgs' strictness: every
 * piece must be exactly one '=' pair, keys are case-sensitive field names,
 * an unknown key is an error unless IgnoreUnknown=1|true. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "lib/cni/error.h"

struct cni_kv {
	char *key;
	char *val;
};

struct cni_args {
	struct cni_kv *kv;
	size_t n;
	bool ignore_unknown;
};

/* known: NULL-terminated list of keys the plugin understands (IgnoreUnknown
 * is always understood). s may be NULL or "" (no args). On error: code 999
 * as the reference (`ARGS: invalid pair "x"`, `ARGS: unknown args ["K=V"]`),
 * *out is left empty. */
int cni_args_parse(const char *s, const char *const known[], struct cni_args *out,
		   struct cni_err *err);
/* Last value for key, or NULL. */
const char *cni_args_get(const struct cni_args *a, const char *key);
void cni_args_free(struct cni_args *a);
