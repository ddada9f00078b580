/* fork + exec of a child that dies with us; see spawn.h. */
#include "lib/util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child between fork and exec: async-signal-safe calls only. Reports
 * a failure as its errno on errfd (close-on-exec, so a successful exec
 * closes it and the parent reads EOF). */
static void __attribute__((noreturn))
exec_child(const struct spawn_req *rq, pid_t parent, int errfd)
{
	sigset_t none;
	int tmp[3], e;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		goto fail;
	if (getppid() != parent) { /* we died before the prctl took effect */
		errno = ESRCH;
		goto fail;
	}
	/* Via fds >= 10 first: one of the fds may itself be 0, 1 or 2 (the
	 * runtime started us with one of those closed). */
	for (int i = 0; i < 3; i++)
		if ((tmp[i] = fcntl(rq->fds[i], F_DUPFD_CLOEXEC, 10)) < 0)
			goto fail;
	for (int i = 0; i < 3; i++)
		if (dup2(tmp[i], i) < 0)
			goto fail;
	/* Belt and braces: every fd of ours is O_CLOEXEC already, but a library
	 * (or the runtime that exec'd us) may have left one without it. */
	if (errfd > 3)
		close_range(3, (unsigned)errfd - 1, 0);
	close_range((unsigned)errfd + 1, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(rq->path, rq->argv, rq->envp);
fail:
	e = errno;
	while (write(errfd, &e, sizeof(e)) < 0 && errno == EINTR)
		;
	_exit(127);
}

int spawn_reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int spawn_child(const struct spawn_req *rq, pid_t *pid)
{
	pid_t parent = getpid();
	int ep[2], e = 0, st;
	ssize_t n;

	if (pipe2(ep, O_CLOEXEC) != 0)
		return errno;
	*pid = fork();
	if (*pid == 0)
		exec_child(rq, parent, ep[1]);
	e = errno;
	close(ep[1]);
	if (*pid < 0) {
		close(ep[0]);
		return e;
	}
	while ((n = read(ep[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(ep[0]);
	if (n != (ssize_t)sizeof(e))
		return 0; /* EOF: the exec happened */
	spawn_reap(*pid, &st);
	return e ? e : EIO;
}
