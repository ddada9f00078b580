#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include "plugin/host-local/dirclock.h"
#include "plugin/host-local/index.h"

static bool multigrain_capable(int dirfd)
{
	struct statfs s;
	if (fstatfs(dirfd, &s) < 0)
		return false;
	/* Not tmpfs: it gives a directory the times of the entry made or
	 * removed, whose clock is coarse (nobody stat'ed it). On 6.18, a
	 * same-tick delete and create left the stamp unchanged 1994 times in
	 * 2000 (ext4: never), and the probe can still pass there. */
	switch ((unsigned long)s.f_type) {
	case EXT4_SUPER_MAGIC:
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

/* One change to the directory, then its ctime (which the fstat marks as
 * seen: a multigrain filesystem must give the next change a new one). */
static bool change_then_ctime(int dirfd, const char *name, struct timespec *ctime)
{
	struct stat st;
	if (mknodat(dirfd, name, S_IFREG | 0600, 0) < 0)
		return false;
	if (unlinkat(dirfd, name, 0) < 0 || fstat(dirfd, &st) < 0)
		return false;
	*ctime = st.st_ctim;
	return true;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

bool hl_dir_fine_grained(int dirfd)
{
	if (!multigrain_capable(dirfd))
		return false;
	char name[48];
	snprintf(name, sizeof(name), HL_TMP_PREFIX "clock-%d", (int)getpid());
	/* a tick that ends between the two changes proves nothing: retry */
	for (int attempt = 0; attempt < 3; attempt++) {
		struct timespec tick0, tick1, c1, c2;
		clock_gettime(CLOCK_REALTIME_COARSE, &tick0);
		if (!change_then_ctime(dirfd, name, &c1) || !change_then_ctime(dirfd, name, &c2)) {
			unlinkat(dirfd, name, 0);
			return false;
		}
		clock_gettime(CLOCK_REALTIME_COARSE, &tick1);
		if (same_time(&tick0, &tick1))
			return !same_time(&c1, &c2);
	}
	return false;
}
