/* Starting a helper process (an IPAM plugin, iptables-restore) that dies
 * with us. fork + execve rather than posix_spawn, which cannot set a
 * parent-death signal: the runtime may SIGKILL the plugin mid-ADD (its
 * timeout) and call DEL at once, and a child left running would act after
 * that DEL (allocate a lease, commit a chain) and leak what it made
 * (t_chaos_kill.sh). Call from the thread that will wait for the child
 * (the parent-death signal follows the forking thread). */
#pragma once
#include <sys/types.h>

struct spawn_req {
	const char *path;  /* the executable */
	char *const *argv; /* NULL-terminated, argv[0] included */
	char *const *envp; /* NULL-terminated */
	int fds[3];	   /* become the child's 0, 1, 2 (may be any fds) */
};

/* Forks a child that gets SIGKILL when we die, has fds[0..2] as its 0, 1,
 * 2 and no other fd open, an empty signal mask, and execs path. Returns 0
 * with *pid set once the exec happened, or the errno of what failed (fork,
 * or the exec: ENOENT, ETXTBSY, ...; that child is reaped already). */
int spawn_child(const struct spawn_req *rq, pid_t *pid);
/* waitpid through EINTR; the status into *status. 0, or -1 with errno. */
int spawn_reap(pid_t pid, int *status);
