/* Network namespaces, the way the Go plugins use runtime.LockOSThread:
 * work inside a container netns runs on a dedicated pthread that enters it,
 * runs, tries to switch back, and exits. The thread is never reused, so a
 * failed switch-back cannot leak the container netns into other work. The
 * caller's thread never changes netns. */
#pragma once
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include "lib/cni/error.h"

struct netns {
	int fd;		  /* O_RDONLY|O_CLOEXEC; -1 when closed */
	const char *path; /* borrowed: the string given to netns_open (the result's sandbox) */
};

enum netns_open_status {
	NETNS_OK = 0,
	NETNS_ERR_MISSING = -2, /* path does not exist (ENOENT) */
	NETNS_ERR_NOT_NS = -3,	/* exists but is not nsfs/proc, e.g. a broken bind mount */
	NETNS_ERR_OTHER = -1,
};

/* statfs first so "missing" and "not a namespace" are distinct (DEL treats
 * both as "already gone"): ENOENT -> NETNS_ERR_MISSING (`failed to Statfs
 * "<path>": ...`), a filesystem other than nsfs/proc -> NETNS_ERR_NOT_NS
 * (`unknown FS magic on "<path>": <hex>`). A namespace of another kind
 * (e.g. /proc/self/ns/mnt) is NETNS_ERR_OTHER. Fills err (code 999 as the
 * reference, message naming the path) on every failure; ns->fd is -1 then.
 * The caller owns ns->fd (netns_close; closing twice is harmless). */
enum netns_open_status netns_open(const char *path, struct netns *ns, struct cni_err *err);
void netns_close(struct netns *ns);

/* True when path is the caller thread's own netns (same dev+inode, read from
 * /proc/thread-self/ns/net); false when either cannot be stat'ed. */
int netns_is_current(const char *path);

/* Runs fn(arg, err) on a new pthread inside ns and joins it; the calling
 * thread never changes netns. fn must not fork/exec (the child would start in
 * the container netns), take file locks or start threads (threads inherit
 * the netns): all of those belong on the host thread. The worker has every
 * signal blocked, so no handler runs inside the container netns.
 * fn's return value and err come back unchanged; a negative return with err
 * unset gets a generic message naming the netns. Returns -1 with err set
 * when the thread cannot be created or cannot enter the netns (fn not run).
 * Cost: one thread, one open, two setns (about 20-40 us); no /proc scans.
 * The thread is born on the caller's CPU (see run.c): the caller only
 * waits, and waking an idle CPU for the worker costs more than the work on
 * a VM.
 * Kernel facts fn can rely on: a socket created inside stays bound to ns
 * after fn returns (hand the fd back to use it from the host thread);
 * /proc/sys/net files opened inside refer to ns; /sys/class/net does not
 * follow the thread (it shows the netns sysfs was mounted in). */
typedef int (*netns_fn)(void *arg, struct cni_err *err);
int netns_run(const struct netns *ns, netns_fn fn, void *arg, struct cni_err *err);

/* netns_run in two halves, so the host thread can work while fn runs (DEL
 * tears the masquerade rules down while the kernel deletes the veth). The
 * host thread must not touch arg or err until netns_join, except through
 * whatever synchronisation fn and the caller agree on; done(arg), when
 * set, runs on the worker once it is finished with arg, also when it could
 * not enter the netns (fn not run), so a caller waiting on fn's signal is
 * never left waiting. */
struct netns_task {
	const struct netns *ns;
	netns_fn fn;
	void (*done)(void *arg); /* set before netns_start; NULL = none */
	void *arg;
	struct cni_err *err;
	int ret;
	bool started;
	pthread_t tid;
	bool pinned;	    /* born on the caller's CPU; then gets `affinity` back */
	cpu_set_t affinity; /* the caller's CPU mask */
};
/* Returns 0 (the worker runs), or -1 with err (nothing started, done not
 * called). */
int netns_start(struct netns_task *t, const struct netns *ns, netns_fn fn, void *arg,
		struct cni_err *err);
/* Waits for the worker; returns what netns_run would. -1 when not started. */
int netns_join(struct netns_task *t);
