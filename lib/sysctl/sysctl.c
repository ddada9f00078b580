/* /proc/sys/net knobs. The file takes the netns of the thread that opens
 * it, so callers pick the thread (see sysctl.h). */
#include "lib/sysctl/sysctl.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every netns has its own /proc/sys/net, and all of them hang in the one
 * dentry hash chain of the name "net" under /proc/sys: a path lookup
 * through it compares against every netns that ever looked (measured with
 * 300 namespaces: 42-51 us per open+read instead of 6-7). So each thread
 * looks it up once and opens the knobs relative to that directory, whose
 * children are its netns's alone. A thread stays in one netns while it
 * uses this (sysctl.h). The directory is closed when a thread exits (a key
 * destructor) and, for the thread that calls exit(), by an atexit handler:
 * key destructors do not run for it, and no fd may outlive the plugin's
 * own work (t_valgrind tracks them). */
static __thread int net_dirfd = -1;
static pthread_key_t net_dir_key;
static pthread_once_t net_dir_once = PTHREAD_ONCE_INIT;
static bool net_dir_usable;

static void net_dir_close(void *unused)
{
	(void)unused;
	if (net_dirfd >= 0)
		close(net_dirfd);
	net_dirfd = -1;
}

static void net_dir_at_exit(void)
{
	net_dir_close(NULL);
}

static void net_dir_key_init(void)
{
	net_dir_usable =
	    pthread_key_create(&net_dir_key, net_dir_close) == 0 && atexit(net_dir_at_exit) == 0;
}

/* This thread's /proc/sys/net, or -1 (then paths are opened whole). */
static int net_dir(void)
{
	if (net_dirfd >= 0)
		return net_dirfd;
	pthread_once(&net_dir_once, net_dir_key_init);
	if (!net_dir_usable || pthread_setspecific(net_dir_key, (void *)1) != 0)
		return -1; /* could not be closed at exit: do not keep one */
	net_dirfd = open("/proc/sys/net", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return net_dirfd;
}

static int open_knob(const char *path, int flags)
{
	char p[256];
	int dir = net_dir();

	if (dir >= 0)
		return openat(dir, path, flags | O_CLOEXEC);
	snprintf(p, sizeof(p), "/proc/sys/net/%s", path);
	return open(p, flags | O_CLOEXEC);
}

static void full_path(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "/proc/sys/net/%s", path);
}

int sysctl_read(const char *path, char *buf, size_t len, struct cni_err *err)
{
	char p[256];
	ssize_t n;
	int fd;

	full_path(p, sizeof(p), path);
	fd = open_knob(path, O_RDONLY);
	if (fd < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "failed to read sysctl %s", p);
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int e = errno;
		close(fd);
		return cni_err_errno(err, CNI_ERR_INTERNAL, e, "failed to read sysctl %s", p);
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int sysctl_write(const char *path, const char *value, struct cni_err *err)
{
	char p[256];
	size_t len = strlen(value);
	int fd, rc = 0;

	full_path(p, sizeof(p), path);
	fd = open_knob(path, O_WRONLY);
	if (fd < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "failed to set sysctl %s=%s", p,
				     value);
	if (write(fd, value, len) != (ssize_t)len)
		rc = cni_err_errno(err, CNI_ERR_INTERNAL, errno, "failed to set sysctl %s=%s", p,
				   value);
	close(fd);
	return rc;
}

int sysctl_iface_write(const char *proto, const char *ifname, const char *key, const char *value,
		       struct cni_err *err)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/conf/%s/%s", proto, ifname, key);
	return sysctl_write(p, value, err);
}

int sysctl_ensure(const char *path, const char *value, struct cni_err *err)
{
	char cur[64];

	if (sysctl_read(path, cur, sizeof(cur), NULL) == 0 && strcmp(cur, value) == 0)
		return 0;
	return sysctl_write(path, value, err);
}
