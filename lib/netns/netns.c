/* Opening a netns by path and telling "missing" from "not a namespace". */
#include "lib/netns/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* The two filesystems a netns handle can live on: nsfs (bind mounts under
 * /run/netns, /proc/<pid>/ns/net on current kernels) and procfs (older
 * kernels report the /proc magic link's filesystem). */
#define NSFS_MAGIC_NUMBER 0x6e736673
#define PROC_MAGIC_NUMBER 0x9fa0

static enum netns_open_status check_fs(const char *path, struct cni_err *err)
{
	struct statfs st;

	if (statfs(path, &st) != 0) {
		int e = errno;
		cni_err_errno(err, CNI_ERR_INTERNAL, e, "failed to Statfs \"%s\"", path);
		return e == ENOENT ? NETNS_ERR_MISSING : NETNS_ERR_OTHER;
	}
	if (st.f_type != NSFS_MAGIC_NUMBER && st.f_type != PROC_MAGIC_NUMBER) {
		cni_err_set(err, CNI_ERR_INTERNAL, "unknown FS magic on \"%s\": %lx", path,
			    (unsigned long)st.f_type);
		return NETNS_ERR_NOT_NS;
	}
	return NETNS_OK;
}

/* nsfs also holds mount, pid, user... namespaces. Go would accept those and
 * fail later in setns; asking the kernel now gives a message naming the path.
 * It is NETNS_ERR_OTHER, not NOT_NS: DEL must not treat a wrong kind of
 * namespace as "already gone". */
static int check_net_type(int fd, const char *path, struct cni_err *err)
{
	int type = ioctl(fd, NS_GET_NSTYPE);

	if (type < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno,
				     "\"%s\" is not a namespace (NS_GET_NSTYPE)", path);
	if (type != CLONE_NEWNET)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "\"%s\" is a namespace but not a network namespace", path);
	return 0;
}

enum netns_open_status netns_open(const char *path, struct netns *ns, struct cni_err *err)
{
	enum netns_open_status st;

	ns->fd = -1;
	ns->path = path;
	if (!path || !*path) {
		cni_err_set(err, CNI_ERR_INTERNAL, "failed to open netns: empty path");
		return NETNS_ERR_OTHER;
	}
	st = check_fs(path, err);
	if (st != NETNS_OK)
		return st;
	ns->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0) {
		int e = errno;
		cni_err_errno(err, CNI_ERR_INTERNAL, e, "failed to open netns \"%s\"", path);
		/* lost a race with the runtime removing it after the statfs */
		return e == ENOENT ? NETNS_ERR_MISSING : NETNS_ERR_OTHER;
	}
	if (check_net_type(ns->fd, path, err) != 0) {
		netns_close(ns);
		return NETNS_ERR_OTHER;
	}
	return NETNS_OK;
}

void netns_close(struct netns *ns)
{
	if (ns && ns->fd >= 0) {
		close(ns->fd);
		ns->fd = -1;
	}
}

int netns_is_current(const char *path)
{
	struct stat target, self;

	/* thread-self, not self: /proc/self/ns/net is the thread-group
	 * leader's, which is not ours inside a netns_run worker. */
	if (stat(path, &target) != 0 || stat("/proc/thread-self/ns/net", &self) != 0)
		return 0;
	return target.st_dev == self.st_dev && target.st_ino == self.st_ino;
}
