/* Running the iptables tools (lib/util/spawn.h) with memfd stdin, stdout
 * and stderr. See ipt_exec.h. memfds rather than pipes: no deadlock between writing the batch
 * and reading the output, whatever their sizes. */
#include "lib/ipt/ipt_exec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/util/cleanup.h"
#include "lib/util/io.h"
#include "lib/util/spawn.h"

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
	int cleanup_close in = memfd_create("ipt-in", MFD_CLOEXEC);
	int cleanup_close out = memfd_create("ipt-out", MFD_CLOEXEC);
	int cleanup_close errfd = memfd_create("ipt-err", MFD_CLOEXEC);
	int status;

	memset(res, 0, sizeof(*res));
	if (!ipt_find_tool(tool, path, sizeof(path)))
		return cni_err_set(err, CNI_ERR_IO, "%s not found in PATH", tool);
	if (in < 0 || out < 0 || errfd < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "running %s: memfd_create", tool);
	if (input && (util_write_full(in, input, strlen(input)) < 0 || lseek(in, 0, SEEK_SET) < 0))
		return cni_err_errno(err, CNI_ERR_IO, errno, "running %s: writing its input", tool);
	argv[argc++] = (char *)tool;
	for (; *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	/* The child dies with us: a runtime that SIGKILLs the bridge mid-ADD
	 * calls DEL at once, and an iptables-restore left running would commit
	 * the container's chain after that DEL looked for it (t_chaos_kill.sh,
	 * CHAOS_IPT_ORPHAN=1). Killing it is safe: a restore commits its whole
	 * batch at once or not at all. */
	const struct spawn_req sr = {
	    .path = path, .argv = argv, .envp = environ, .fds = {in, out, errfd}};
	pid_t pid;
	int e = spawn_child(&sr, &pid);
	if (e)
		return cni_err_errno(err, CNI_ERR_IO, e, "running %s", path);
	if (spawn_reap(pid, &status) < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "running %s", path);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	res->out = slurp(out);
	keep_errmsg(errfd, res->errmsg, sizeof(res->errmsg));
	if (!res->out)
		return cni_err_set(err, CNI_ERR_IO, "running %s: out of memory", tool);
	return 0;
}
