/* Network namespaces, the way the Go plugins use runtime.LockOSThread:
 * work inside a container netns runs on a dedicated pthread that enters it,
 * runs, tries to switch back, and exits. The thread is never reused, so a
 * failed switch-back cannot leak the container netns into other work. The
 * caller's thread never changes netns. */
#pragma once
#include "../cni/error.h"

struct netns {
	int fd;           /* O_RDONLY|O_CLOEXEC; -1 when closed */
	const char *path; /* borrowed: the string given to netns_open (the result's sandbox) */
};

enum netns_open_status {
	NETNS_OK = 0,
	NETNS_ERR_MISSING = -2, /* path does not exist (ENOENT) */
	NETNS_ERR_NOT_NS = -3,  /* exists but is not nsfs/proc, e.g. a broken bind mount */
	NETNS_ERR_OTHER = -1,
};

/* statfs first so "missing" and "not a namespace" are distinct (DEL treats
 * both as "already gone"). Fills err (code 999 as the reference, message
 * naming the path) on every failure. */
enum netns_open_status netns_open(const char *path, struct netns *ns, struct cni_err *err);
void netns_close(struct netns *ns);

/* True when path is the caller thread's own netns (same dev+inode). */
int netns_is_current(const char *path);

/* Runs fn(arg, err) on a new pthread inside ns and joins it. fn must not
 * fork/exec, take file locks or start threads: all of those belong on the
 * host thread. fn's return value and err come back. Returns -1 with err set
 * when the thread cannot be created or cannot enter the netns. */
typedef int (*netns_fn)(void *arg, struct cni_err *err);
int netns_run(const struct netns *ns, netns_fn fn, void *arg, struct cni_err *err);
