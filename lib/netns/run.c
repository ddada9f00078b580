/* netns_run: one short-lived pthread per call, the C form of Go's
 * LockOSThread + ns.Do. */
#include "lib/netns/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

struct netns_job {
	const struct netns *ns;
	netns_fn fn;
	void *arg;
	struct cni_err *err;
	int ret;
};

/* Runs on the worker. The switch back is for whatever still runs on this
 * thread after fn (TLS and pthread_key destructors at exit); correctness does
 * not depend on it, because the thread exits either way and is never handed
 * other work. That is why a failed restore is ignored: nothing can run in the
 * wrong namespace afterwards. */
static void *netns_worker(void *p)
{
	struct netns_job *job = p;
	int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (orig < 0) {
		cni_err_errno(job->err, CNI_ERR_INTERNAL, errno,
			      "failed to open the current netns (/proc/thread-self/ns/net)");
		return NULL;
	}
	if (setns(job->ns->fd, CLONE_NEWNET) != 0) {
		cni_err_errno(job->err, CNI_ERR_INTERNAL, errno, "failed to enter netns \"%s\"",
			      job->ns->path ? job->ns->path : "?");
		close(orig);
		return NULL;
	}
	job->ret = job->fn(job->arg, job->err);
	(void)setns(orig, CLONE_NEWNET);
	close(orig);
	return NULL;
}

int netns_run(const struct netns *ns, netns_fn fn, void *arg, struct cni_err *err)
{
	struct netns_job job = {.ns = ns, .fn = fn, .arg = arg, .err = err, .ret = -1};
	pthread_attr_t attr;
	sigset_t all;
	pthread_t tid;
	int rc;

	if (!ns || ns->fd < 0)
		return cni_err_set(err, CNI_ERR_INTERNAL, "netns_run: netns is not open");
	/* Signals stay with the host thread: a handler must never run while a
	 * thread sits in the container netns. */
	sigfillset(&all);
	if ((rc = pthread_attr_init(&attr)) != 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, rc, "pthread_attr_init");
	rc = pthread_attr_setsigmask_np(&attr, &all);
	if (rc == 0)
		rc = pthread_create(&tid, &attr, netns_worker, &job);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, rc,
				     "failed to start a thread for netns \"%s\"",
				     ns->path ? ns->path : "?");
	pthread_join(tid, NULL);
	/* -1 means err is set, whatever fn forgot. */
	if (job.ret < 0 && !cni_err_isset(err))
		cni_err_set(err, CNI_ERR_INTERNAL, "operation in netns \"%s\" failed",
			    ns->path ? ns->path : "?");
	return job.ret;
}
