#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/cni/skel.h"
#include "lib/util/cleanup.h"
#include "lib/util/io.h"
#include "plugin/host-local/store.h"
#include "lib/cni/log.h"

#define LAST_PREFIX "last_reserved_ip."

/* mkdir -p with mode 0755, as Go's os.MkdirAll. */
static int mkdir_all(const char *path, struct cni_err *err)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return cni_err_set(err, CNI_ERR_INTERNAL, "dataDir %s: path too long", path);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "mkdir %s", buf);
		*p = c;
		if (!c)
			return 0;
	}
}

int hl_store_open(struct hl_store *s, const char *data_dir, const char *network,
		  struct cni_err *err)
{
	memset(s, 0, sizeof(*s));
	s->dirfd = s->lockfd = -1;
	if (cni_validate_name(network, err) < 0)
		return -1;
	if (!data_dir || !*data_dir)
		data_dir = HL_DEFAULT_DATA_DIR;
	/* Opened first, made only when missing: the store exists on every
	 * call but the first, and each mkdir of the path was a system call. */
	int top cleanup_close = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0 && errno == ENOENT) {
		if (mkdir_all(data_dir, err) < 0)
			return -1;
		top = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (top < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "open %s", data_dir);
	s->dirfd = openat(top, network, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dirfd < 0 && errno == ENOENT) {
		if (mkdirat(top, network, 0755) < 0 && errno != EEXIST)
			return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "mkdir %s/%s", data_dir,
					     network);
		s->dirfd = openat(top, network, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (s->dirfd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "lease store %s/%s is a symlink or not a directory; refusing to "
				   "use it",
				   data_dir, network);
	if (s->dirfd < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "open %s/%s", data_dir, network);
	/* go-filemutex's flags and mode, so either plugin may create it */
	s->lockfd = openat(s->dirfd, "lock", O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0750);
	if (s->lockfd < 0) {
		int e = errno;
		hl_store_close(s);
		if (e == ELOOP)
			return cni_err_set(err, CNI_ERR_INTERNAL,
					   "%s/%s/lock is a symlink; refusing to follow it",
					   data_dir, network);
		return cni_err_errno(err, CNI_ERR_INTERNAL, e, "open %s/%s/lock", data_dir,
				     network);
	}
	return 0;
}

int hl_store_exists(const char *data_dir, const char *network, struct cni_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	if (!data_dir || !*data_dir)
		data_dir = HL_DEFAULT_DATA_DIR;
	if (snprintf(path, sizeof(path), "%s/%s", data_dir, network) >= (int)sizeof(path))
		return cni_err_set(err, CNI_ERR_INTERNAL, "dataDir %s: path too long", data_dir);
	if (lstat(path, &st) < 0)
		return errno == ENOENT
			   ? 0
			   : cni_err_errno(err, CNI_ERR_INTERNAL, errno, "lease store %s", path);
	if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
		return cni_err_set(err, CNI_ERR_INTERNAL, "lease store %s is not a directory",
				   path);
	return 1;
}

int hl_store_lock(struct hl_store *s, struct cni_err *err)
{
	while (flock(s->lockfd, LOCK_EX) < 0)
		if (errno != EINTR)
			return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "flock lease store");
	s->locked = true;
	if (hl_index_open(&s->index, s->dirfd, err) < 0) {
		hl_store_unlock(s);
		return -1;
	}
	hl_boot_load(&s->boot, &s->index, s->dirfd);
	return 0;
}

int hl_store_open_locked(struct hl_store *s, const char *data_dir, const char *network,
			 struct cni_err *err)
{
	if (hl_store_open(s, data_dir, network, err) < 0)
		return -1;
	if (hl_store_lock(s, err) < 0) {
		hl_store_close(s);
		return -1;
	}
	return 0;
}

void hl_store_unlock(struct hl_store *s)
{
	if (!s->locked)
		return;
	struct cni_err e = {0};
	/* the record first: the index stamp must follow our last change */
	if (hl_boot_flush(&s->boot, &s->index, s->dirfd))
		s->index.restamp = true;
	if (hl_index_flush(&s->index, s->dirfd, &e) < 0)
		cni_warn("%s (the next call rescans)", e.msg);
	hl_index_free(&s->index);
	flock(s->lockfd, LOCK_UN);
	s->locked = false;
}

void hl_store_close(struct hl_store *s)
{
	hl_store_unlock(s);
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->lockfd = s->dirfd = -1;
}

/* Writes content to a fresh temporary file; returns 0 or -errno, and its
 * inode number in *ino when ino is not NULL. */
static int write_tmp(int dirfd, const char *tmp, const char *content, uint64_t *ino)
{
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) { /* a dead process with our pid left it */
		unlinkat(dirfd, tmp, 0);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return -errno;
	int rc = util_write_full(fd, content, strlen(content)) < 0 ? -errno : 0;
	struct stat st;
	if (rc == 0 && ino)
		rc = fstat(fd, &st) < 0 ? -errno : (*ino = (uint64_t)st.st_ino, 0);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

/* Rewrites last_reserved_ip.<i> in place, as the reference does, when it
 * is a plain file with one link: no new inode, no rename, where the
 * temporary file and rename() were a fifth of an ADD's file work (perf,
 * harness shape on ext4). Writing over the start and then truncating
 * leaves, after a crash between the two, at worst another address: only
 * the round-robin position, and the lock keeps anyone from reading it
 * half-written. Returns 0, or -1 when the file is missing or not plain
 * (the caller replaces it). */
static int write_last_in_place(int dirfd, const char *name, const char *ip)
{
	int fd cleanup_close = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	size_t n = strlen(ip);
	/* a second link could be a lease: never write through it */
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1)
		return -1;
	if (pwrite(fd, ip, n, 0) != (ssize_t)n ||
	    ((size_t)st.st_size > n && ftruncate(fd, (off_t)n) < 0))
		return -1;
	return 0;
}

/* last_reserved_ip.<i>: in place, else replaced atomically; a failure only
 * costs the round-robin position, so it is logged, not returned (the lease
 * exists). */
static void write_last(struct hl_store *s, int set_idx, const char *ip)
{
	char name[64], tmp[96];
	snprintf(name, sizeof(name), LAST_PREFIX "%d", set_idx);
	if (write_last_in_place(s->dirfd, name, ip) == 0)
		return;
	snprintf(tmp, sizeof(tmp), HL_TMP_PREFIX "%s-%d", name, (int)getpid());
	int rc = write_tmp(s->dirfd, tmp, ip, NULL);
	if (rc == 0 && renameat(s->dirfd, tmp, s->dirfd, name) < 0) {
		rc = -errno;
		unlinkat(s->dirfd, tmp, 0);
	}
	if (rc < 0)
		cni_warn("cannot write %s: %s", name, strerror(-rc));
}

int hl_store_reserve(struct hl_store *s, const char *id, const char *ifname,
		     const struct cni_ip *ip, int set_idx, struct cni_err *err)
{
	char name[CNI_IPNET_STRLEN], tmp[CNI_IPNET_STRLEN + 32];
	cni_ip_format(ip, name);
	if (hl_index_get(&s->index, name))
		return 0;
	char *owner cleanup_free = NULL;
	if (asprintf(&owner, "%s\r\n%s", id, ifname) < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "lease %s", name);
	snprintf(tmp, sizeof(tmp), HL_TMP_PREFIX "%s-%d", name, (int)getpid());
	uint64_t ino = 0;
	int rc = write_tmp(s->dirfd, tmp, owner, &ino);
	if (rc < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, -rc, "cannot write lease %s", name);
	/* link() refuses to replace anything, symlinks included: the lease
	 * appears complete or not at all. */
	rc = linkat(s->dirfd, tmp, s->dirfd, name, 0) < 0 ? errno : 0;
	unlinkat(s->dirfd, tmp, 0);
	if (rc == EEXIST)
		return 0; /* not indexed, so a symlink or directory: never ours */
	if (rc)
		return cni_err_errno(err, CNI_ERR_INTERNAL, rc, "cannot create lease %s", name);
	if (hl_index_put(&s->index, name, ino, owner, err) < 0) {
		unlinkat(s->dirfd, name, 0);
		return -1;
	}
	write_last(s, set_idx, name);
	return 1;
}

bool hl_store_taken(const struct hl_store *s, const struct cni_ip *ip)
{
	char name[CNI_IPNET_STRLEN];
	return hl_index_get(&s->index, cni_ip_format(ip, name)) != NULL;
}

bool hl_store_last_reserved(struct hl_store *s, int set_idx, struct cni_ip *out)
{
	char name[64], buf[CNI_IPNET_STRLEN + 1];
	snprintf(name, sizeof(name), LAST_PREFIX "%d", set_idx);
	int fd cleanup_close =
	    openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			cni_warn("cannot read %s: %s", name, strerror(errno));
		return false;
	}
	ssize_t n = util_read_full(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* exactly the content, untrimmed, as Go's net.ParseIP(string(data)) */
	return cni_ip_parse(buf, out) == 0;
}

static bool owned(const struct hl_lease *l, const char *current, const char *id, enum hl_match m)
{
	/* both forms start with the id: one byte rejects most leases (ADD
	 * and DEL look at every lease of the store) */
	if (id[0] && l->owner[0] != id[0])
		return false;
	return ((m & HL_MATCH_CURRENT) && current && strcmp(l->owner, current) == 0) ||
	       ((m & HL_MATCH_LEGACY) && strcmp(l->owner, id) == 0);
}

int hl_store_each_owned(const struct hl_store *s, const char *id, const char *ifname,
			enum hl_match m, int (*fn)(const struct hl_lease *l, void *arg), void *arg)
{
	char *current cleanup_free = NULL;
	if (asprintf(&current, "%s\r\n%s", id, ifname) < 0)
		current = NULL;
	for (size_t i = 0; i < s->index.n; i++) {
		const struct hl_lease *l = &s->index.v[i];
		if (!l->live || !owned(l, current, id, m))
			continue;
		int rc = fn(l, arg);
		if (rc)
			return rc;
	}
	return 0;
}

size_t hl_store_release(struct hl_store *s, const char *id, const char *ifname, enum hl_match m)
{
	char *current cleanup_free = NULL;
	size_t released = 0;
	if (asprintf(&current, "%s\r\n%s", id, ifname) < 0)
		current = NULL; /* out of memory: only legacy matches can hit */
	for (size_t i = 0; i < s->index.n; i++) {
		struct hl_lease *l = &s->index.v[i];
		if (!l->live || !owned(l, current, id, m))
			continue;
		if (unlinkat(s->dirfd, l->name, 0) < 0 && errno != ENOENT) {
			cni_warn("cannot remove lease %s: %s", l->name, strerror(errno));
			continue;
		}
		hl_index_del(&s->index, l->name);
		released++;
	}
	return released;
}

void hl_store_release_ip(struct hl_store *s, const struct cni_ip *ip)
{
	char name[CNI_IPNET_STRLEN];
	hl_store_unlink(s, cni_ip_format(ip, name));
}

bool hl_store_unlink(struct hl_store *s, const char *name)
{
	if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT) {
		cni_warn("cannot remove lease %s: %s", name, strerror(errno));
		return false;
	}
	hl_index_del(&s->index, name);
	return true;
}

struct hl_lease *hl_store_earlier(struct hl_store *s, const struct cni_ip *ip)
{
	char name[CNI_IPNET_STRLEN];
	struct hl_lease *l = hl_index_find(&s->index, cni_ip_format(ip, name));
	return l && l->earlier_boot ? l : NULL;
}
