/* Delegation to an IPAM plugin (spec section 4, Go pkg/invoke): find
 * ipam.type in CNI_PATH (a regular file; names with '/' refused; relative and
 * empty entries skipped, unlike Go, which searches them from the cwd), exec it with
 * the same environment (only CNI_COMMAND replaced) and the same stdin bytes
 * (req->stdin_buf/stdin_len), on the calling (host) thread: from a thread
 * in another netns (a netns_run worker) the call fails without running
 * anything. Only fds 0, 1, 2 reach the child; its signal mask is empty.
 * When the file found is the host-local of our own build (same ELF build
 * id), it runs in-process instead, with the same output handling
 * (lib/ipam/inproc.h; CNI_IPAM_NO_INPROC=1 or CNI_IPAM_TIMEOUT_SECONDS
 * set forces exec).
 *
 * Every ipam_exec_* returns 0, or -1 with err set:
 *  - the child's error JSON: its code, msg and details unchanged (a code
 *    of 0 or none becomes 999, since 0 means "no error" here);
 *  - otherwise Go's RawExec messages, code 999:
 *    `netplugin failed with no error message: exit status N` (or
 *    `signal: killed`, or `fork/exec <path>: <errno>`),
 *    `netplugin failed: "<stderr>": exit status N`,
 *    `netplugin failed but error parsing its diagnostic message "<out>": ...`;
 *  - the binary still busy (ETXTBSY) after 1 + 5 attempts 1 s apart: code 11;
 *  - the child still running after CNI_IPAM_TIMEOUT_SECONDS (default 120):
 *    it is killed, code 11, the message names the plugin, verb and timeout.
 * The child's stderr is copied to our stderr in every case. Blocking: the
 * call waits for the child (and for ETXTBSY retries). SIGCHLD set to SIG_IGN
 * is switched to SIG_DFL for the child's lifetime (process-wide: call it
 * while no other thread forks). */
#pragma once
#include "lib/cni/error.h"
#include "lib/cni/result.h"
#include "lib/cni/skel.h"

/* Resolves the plugin path into buf (PATH_MAX). Code 999 as the reference:
 * `failed to find plugin "X" in path [a b]`. */
int ipam_find(const char *type, const char *cni_path, char *buf, size_t len, struct cni_err *err);

/* ADD: parses the child's result (any version; no cniVersion = config's) into
 * *res (1.x model). An error JSON from the child is passed on with its own
 * code. When the plugin ran but ended without a CNI error or a usable
 * result (killed, timed out, failed without an error JSON, printed garbage),
 * a DEL is sent to it before returning, best effort, so that whatever it
 * had allocated is released; err still describes the ADD. */
int ipam_exec_add(const struct cni_request *req, const char *type, struct cni_result *res,
		  struct cni_err *err);
/* DEL, CHECK, STATUS, GC: success is exit 0; an error is passed on. */
int ipam_exec_del(const struct cni_request *req, const char *type, struct cni_err *err);
int ipam_exec_check(const struct cni_request *req, const char *type, struct cni_err *err);
int ipam_exec_status(const struct cni_request *req, const char *type, struct cni_err *err);
int ipam_exec_gc(const struct cni_request *req, const char *type, struct cni_err *err);
