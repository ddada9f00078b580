/* Delegation to an IPAM plugin (spec section 4, Go pkg/invoke): find
 * ipam.type in CNI_PATH (a regular file; names with '/' refused), exec it with
 * the same environment (only CNI_COMMAND replaced) and the same stdin bytes,
 * on the calling (host) thread. Only fds 0, 1, 2 reach the child. */
#pragma once
#include "../cni/error.h"
#include "../cni/result.h"
#include "../cni/skel.h"

/* Resolves the plugin path into buf (PATH_MAX). Code 999 as the reference:
 * `failed to find plugin "X" in path [a b]`. */
int ipam_find(const char *type, const char *cni_path, char *buf, size_t len, struct cni_err *err);

/* ADD: parses the child's result (any version; no cniVersion = config's) into
 * *res (1.x model). An error JSON from the child is passed on with its own
 * code. */
int ipam_exec_add(const struct cni_request *req, const char *type, struct cni_result *res,
		  struct cni_err *err);
/* DEL, CHECK, STATUS, GC: success is exit 0; an error is passed on. */
int ipam_exec_del(const struct cni_request *req, const char *type, struct cni_err *err);
int ipam_exec_check(const struct cni_request *req, const char *type, struct cni_err *err);
int ipam_exec_status(const struct cni_request *req, const char *type, struct cni_err *err);
int ipam_exec_gc(const struct cni_request *req, const char *type, struct cni_err *err);
