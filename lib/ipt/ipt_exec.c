/* posix_spawn of the iptables tools with memfd stdin/stdout/stderr. See
 * exec.h. memfds rather than pipes: no deadlock between writing the batch
 * and reading the output, whatever their sizes. */
#include "lib/ipt/ipt_exec.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

bool ipt_find_tool(const char *name, char *path, size_t size)
{
	const char *dirs = getenv("PATH");
	if (!dirs || !*dirs)
		dirs = DEFAULT_PATH;
	while (*dirs) {
		size_t len = strcspn(dirs, ":");
		int n = snprintf(path, size, "%.*s/%s", (int)len, dirs, name);
		if (len && n > 0 && (size_t)n < size && access(path, X_OK) == 0)
			return true;
		dirs += len + (dirs[len] == ':');
	}
	return false;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define cleanup_fd __attribute__((cleanup(close_fd)))

/* Reads a whole memfd from the start into a malloc'd string. */
static char *slurp(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return NULL;
	ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int write_all(int fd, const char *s)
{
	size_t len = strlen(s);
	while (len) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return lseek(fd, 0, SEEK_SET) < 0 ? -1 : 0;
}

/* The child between fork and exec (async-signal-safe calls only). It dies
 * with us: a runtime that SIGKILLs the bridge mid-ADD calls DEL at once, and
 * an iptables-restore left running would commit the container's chain after
 * that DEL looked for it (t_chaos_kill.sh, CHAOS_IPT_ORPHAN=1). Killing it
 * is safe: a restore commits its whole batch at once or not at all. */
static void __attribute__((noreturn))
exec_child(const char *path, char *const argv[], const int fds[3], pid_t parent)
{
	int tmp[3];
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
	/* via fds >= 10: a memfd may itself be 0, 1 or 2 */
	for (int i = 0; i < 3; i++)
		if ((tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10)) < 0)
			_exit(127);
	for (int i = 0; i < 3; i++)
		if (dup2(tmp[i], i) < 0)
			_exit(127);
	/* All our fds are O_CLOEXEC, but libraries' may not be. */
	close_range(3, ~0U, 0);
	execve(path, argv, environ);
	_exit(127);
}

/* fork + exec rather than posix_spawn, which cannot set a parent-death
 * signal. An exec failure shows as exit status 127. */
static int spawn_wait(const char *path, char *const argv[], int in, int out, int errfd, int *status)
{
	const int fds[3] = {in, out, errfd};
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		exec_child(path, argv, fds, parent);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* The first lines of stderr, newlines turned into "; ". */
static void keep_errmsg(int fd, char *buf, size_t size)
{
	char *s = slurp(fd);
	size_t len = s ? strlen(s) : 0;
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	snprintf(buf, size, "%s", s ? s : "");
	for (char *p = buf; (p = strchr(p, '\n'));)
		*p = ';';
	free(s);
}

int ipt_run(const char *tool, const char *const *args, const char *input, struct ipt_output *res,
	    struct cni_err *err)
{
	char path[4096];
	char *argv[32];
	size_t argc = 0;
	int cleanup_fd in = memfd_create("ipt-in", MFD_CLOEXEC);
	int cleanup_fd out = memfd_create("ipt-out", MFD_CLOEXEC);
	int cleanup_fd errfd = memfd_create("ipt-err", MFD_CLOEXEC);
	int status;

	memset(res, 0, sizeof(*res));
	if (!ipt_find_tool(tool, path, sizeof(path)))
		return cni_err_set(err, CNI_ERR_IO, "%s not found in PATH", tool);
	if (in < 0 || out < 0 || errfd < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "running %s: memfd_create", tool);
	if (input && write_all(in, input) < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "running %s: writing its input", tool);
	argv[argc++] = (char *)tool;
	for (; *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	if (spawn_wait(path, argv, in, out, errfd, &status) < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "running %s", path);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	res->out = slurp(out);
	keep_errmsg(errfd, res->errmsg, sizeof(res->errmsg));
	if (!res->out)
		return cni_err_set(err, CNI_ERR_IO, "running %s: out of memory", tool);
	return 0;
}
