/* hl_boot_earlier_leases: the read-only answer to "which leases of this
 * store are from an earlier boot", for operator tools. It scans the store
 * itself (the plugin's index open may remove crash remnants, which a
 * read-only tool must not do) and applies the plugin's rule (boot.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "lib/cni/skel.h"
#include "lib/util/cleanup.h"
#include "plugin/host-local/boot.h"
#include "plugin/host-local/store.h"

/* Every file named like an address, with its inode and content. */
static int scan(struct hl_index *x, int dirfd, struct cni_err *err)
{
	DIR *d = hl_dir_open(dirfd);
	if (!d)
		return cni_err_errno(err, CNI_ERR_IO, errno, "cannot read the lease store");
	char owner[HL_LEASE_MAX];
	struct dirent *e;
	struct cni_ip ip;
	int rc = 0;
	while (rc == 0 && (e = readdir(d)))
		if (cni_ip_parse(e->d_name, &ip) == 0) {
			hl_read_owner(dirfd, e->d_name, owner, sizeof(owner));
			rc = hl_index_put(x, e->d_name, (uint64_t)e->d_ino, owner, err);
		}
	closedir(d);
	return rc;
}

static int collect(const struct hl_index *x, struct hl_boot_lease **out, size_t *n)
{
	size_t k = 0;
	for (size_t i = 0; i < x->n; i++)
		k += x->v[i].live && x->v[i].earlier_boot;
	*out = calloc(k + 1, sizeof(**out));
	if (!*out)
		return -1;
	for (size_t i = 0; i < x->n; i++) {
		if (!x->v[i].live || !x->v[i].earlier_boot)
			continue;
		struct hl_boot_lease *b = &(*out)[(*n)++];
		b->name = strdup(x->v[i].name);
		b->owner = strdup(x->v[i].owner);
		if (!b->name || !b->owner)
			return -1;
	}
	return 0;
}

/* Opens <data_dir>/<network> without creating anything; 0 when missing. */
static int open_store(const char *data_dir, const char *network, struct cni_err *err)
{
	char path[PATH_MAX];
	if (cni_validate_name(network, err) < 0)
		return -1;
	if (!data_dir || !*data_dir)
		data_dir = HL_DEFAULT_DATA_DIR;
	if (snprintf(path, sizeof(path), "%s/%s", data_dir, network) >= (int)sizeof(path))
		return cni_err_set(err, CNI_ERR_INTERNAL, "dataDir %s: path too long", data_dir);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "open %s", path);
	return fd + 1;
}

int hl_boot_earlier_leases(const char *data_dir, const char *network, struct hl_boot_lease **out,
			   size_t *n, struct cni_err *err)
{
	*out = NULL;
	*n = 0;
	int rc = open_store(data_dir, network, err);
	if (rc <= 0)
		return rc;
	cleanup_close int dirfd = rc - 1;
	/* no lock file: no plugin ever used the store, nothing to wait for */
	cleanup_close int lockfd = openat(dirfd, "lock", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (lockfd >= 0)
		while (flock(lockfd, LOCK_SH) < 0)
			if (errno != EINTR)
				return cni_err_errno(err, CNI_ERR_INTERNAL, errno,
						     "flock lease store");
	char id[HL_BOOT_ID_MAX];
	struct hl_index x = {0};
	if (hl_boot_id(id, err) < 0 || scan(&x, dirfd, err) < 0) {
		hl_index_free(&x);
		return -1;
	}
	hl_boot_mark(&x, dirfd, id);
	rc = collect(&x, out, n);
	hl_index_free(&x);
	if (rc < 0) {
		hl_boot_leases_free(*out, *n);
		*out = NULL;
		*n = 0;
		return cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "earlier-boot leases");
	}
	return 0;
}

void hl_boot_leases_free(struct hl_boot_lease *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].owner);
	}
	free(v);
}
