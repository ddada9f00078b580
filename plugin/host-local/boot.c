/* The boot record and the rule that says which leases are of an earlier
 * boot (boot.h has the format and the rule). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/util/cleanup.h"
#include "lib/util/io.h"
#include "plugin/host-local/boot.h"
#include "lib/cni/log.h"

#define MAGIC "cni-bridge-boot 1 "

const char *hl_boot_id_path = HL_BOOT_ID_PATH;

int hl_boot_id(char out[HL_BOOT_ID_MAX], struct cni_err *err)
{
	cleanup_close int fd = open(hl_boot_id_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "read %s", hl_boot_id_path);
	char buf[HL_BOOT_ID_MAX];
	ssize_t n = util_read_full(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "read %s", hl_boot_id_path);
	buf[n] = '\0';
	char *id = hl_trim(buf);
	/* it becomes a word of the record's first line: no space, no '\r' */
	bool ok = *id != '\0';
	for (const char *p = id; *p; p++)
		ok = ok && (isxdigit((unsigned char)*p) || *p == '-');
	if (!ok)
		return cni_err_set(err, CNI_ERR_INTERNAL, "%s: not a boot id", hl_boot_id_path);
	snprintf(out, HL_BOOT_ID_MAX, "%s", id);
	return 0;
}

/* ---- the record file ---------------------------------------------------- */

static char *read_record(int dirfd)
{
	cleanup_close int fd =
	    openat(dirfd, HL_BOOT_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (64 << 20))
		return NULL;
	char *buf = malloc((size_t)st.st_size + 1);
	if (buf && util_read_full(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size) {
		free(buf);
		return NULL;
	}
	if (buf)
		buf[st.st_size] = '\0';
	return buf;
}

static bool rec_plain(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
}

static void rec_escape(FILE *f, const char *s)
{
	for (; *s; s++)
		if (rec_plain((unsigned char)*s))
			fputc(*s, f);
		else
			fprintf(f, "%%%02X", (unsigned char)*s);
}

/* A lease the rule can judge: named after an address, content readable. */
static bool judgeable(const struct hl_lease *l)
{
	struct cni_ip ip;
	return l->live && *l->owner && hl_lease_ip(l, &ip);
}

/* ---- the rule ----------------------------------------------------------- */

/* The record names this boot: entries still matching a lease mark it.
 * Returns true when some entry matched nothing (the record shrinks). */
static bool mark_recorded(struct hl_index *x, char *p)
{
	bool stale = false;
	for (char *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			return true; /* cannot happen (rename); rewrite if it does */
		*nl = '\0';
		char *sp = strchr(p, ' '), *end;
		uint64_t ino = sp ? strtoull(sp + 1, &end, 10) : 0;
		if (!sp || end == sp + 1 || *end != ' ' || !hl_unescape(end + 1)) {
			stale = true;
			continue;
		}
		*sp = '\0';
		struct hl_lease *l = hl_index_find(x, p);
		if (l && judgeable(l) && l->ino == ino && strcmp(l->owner, end + 1) == 0)
			l->earlier_boot = true;
		else
			stale = true;
	}
	return stale;
}

/* A reboot since our last call: the leases our index listed at our last
 * write, still the same file (inode) with the same content. */
static void mark_boot_change(struct hl_index *x, int dirfd)
{
	struct hl_index prev;
	if (hl_index_load_file(&prev, dirfd))
		for (size_t i = 0; i < x->n; i++) {
			struct hl_lease *l = &x->v[i];
			const struct hl_lease *p = hl_index_get(&prev, l->name);
			if (judgeable(l) && p && p->ino == l->ino &&
			    strcmp(p->owner, l->owner) == 0)
				l->earlier_boot = true;
		}
	hl_index_free(&prev);
}

/* Marks x by the rule for boot id; returns whether the record must be
 * (re)written. */
static bool mark(struct hl_index *x, int dirfd, const char *id)
{
	cleanup_free char *rec = read_record(dirfd);
	size_t ml = strlen(MAGIC), il = strlen(id);
	char *nl = rec ? strchr(rec, '\n') : NULL;
	if (!nl || strncmp(rec, MAGIC, ml) != 0)
		return true; /* none, or not ours to read: all of this boot */
	*nl = '\0';
	if ((size_t)(nl - rec) != ml + il || strcmp(rec + ml, id) != 0) {
		mark_boot_change(x, dirfd);
		return true;
	}
	return mark_recorded(x, nl + 1);
}

static size_t count_marked(const struct hl_index *x)
{
	size_t n = 0;
	for (size_t i = 0; i < x->n; i++)
		n += x->v[i].live && x->v[i].earlier_boot;
	return n;
}

void hl_boot_load(struct hl_boot *b, struct hl_index *x, int dirfd)
{
	struct cni_err err = {0};
	memset(b, 0, sizeof(*b));
	if (x->boot_id[0]) /* read by hl_index_open in this same call */
		memcpy(b->id, x->boot_id, sizeof(b->id));
	else if (hl_boot_id(b->id, &err) < 0) {
		cni_warn("%s: leases of earlier boots are not recognised", err.msg);
		return;
	}
	b->enabled = true;
	b->dirty = mark(x, dirfd, b->id);
	b->marked = count_marked(x);
}

/* ---- writing ------------------------------------------------------------ */

static int write_record(const struct hl_boot *b, const struct hl_index *x, int dirfd)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), HL_TMP_PREFIX "boot-%d", (int)getpid());
	unlinkat(dirfd, tmp, 0);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -e;
	}
	fprintf(f, MAGIC "%s\n", b->id);
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i].live && x->v[i].earlier_boot) {
			fprintf(f, "%s %" PRIu64 " ", x->v[i].name, x->v[i].ino);
			rec_escape(f, x->v[i].owner);
			fputc('\n', f);
		}
	int rc = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dirfd, tmp, dirfd, HL_BOOT_NAME) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

bool hl_boot_flush(struct hl_boot *b, const struct hl_index *x, int dirfd)
{
	if (!b->enabled || (!b->dirty && count_marked(x) == b->marked))
		return false;
	int rc = write_record(b, x, dirfd);
	if (rc < 0)
		cni_warn("cannot write %s: %s", HL_BOOT_NAME, strerror(-rc));
	b->dirty = false;
	b->marked = count_marked(x);
	return true; /* even a failure may have made and removed a file */
}

void hl_boot_mark(struct hl_index *x, int dirfd, const char *id)
{
	mark(x, dirfd, id);
}
