/* /proc/sys/net knobs. The file takes the netns of the thread that opens
 * it, so callers pick the thread (see sysctl.h). */
#include "lib/sysctl/sysctl.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	fd = open(p, O_RDONLY | O_CLOEXEC);
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
	fd = open(p, O_WRONLY | O_CLOEXEC);
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
