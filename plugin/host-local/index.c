#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/util/cleanup.h"
#include "lib/util/io.h"
#include "lib/util/prefault.h"
#include "plugin/host-local/boot.h"
#include "plugin/host-local/dirclock.h"
#include "plugin/host-local/index.h"

#define HEADER_LEN 128
#define HEADER_MAGIC "cni-bridge-index 2 "

char *hl_trim(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* ---- the hash table ---------------------------------------------------- */

/* Eight bytes at a time, then murmur3's finalizer (the table's buckets
 * take the low bits). In memory only: never written to the file. */
static uint32_t hash_n(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

static uint32_t hash(const char *s)
{
	return hash_n(s, strlen(s));
}

static long slot_of_h(const struct hl_index *x, const char *name, uint32_t h)
{
	if (!x->nbucket)
		return -1;
	for (uint32_t i = x->bucket[h % x->nbucket]; i; i = x->chain[i - 1])
		if (x->v[i - 1].hash == h && strcmp(x->v[i - 1].name, name) == 0)
			return (long)i - 1;
	return -1;
}

static long slot_of(const struct hl_index *x, const char *name)
{
	return slot_of_h(x, name, hash(name));
}

/* Makes room for at least want slots (doubling), rehashing once. */
static int grow_to(struct hl_index *x, size_t want)
{
	size_t cap = x->cap ? x->cap : 256;
	while (cap < want)
		cap *= 2;
	if (cap == x->cap)
		return 0;
	struct hl_lease *v = realloc(x->v, cap * sizeof(*v));
	if (!v)
		return -1;
	x->v = v;
	uint32_t *chain = realloc(x->chain, cap * sizeof(*chain));
	if (!chain)
		return -1;
	x->chain = chain;
	uint32_t *bucket = calloc(cap, sizeof(*bucket));
	if (!bucket)
		return -1;
	free(x->bucket);
	x->bucket = bucket;
	x->nbucket = cap;
	x->cap = cap;
	/* a load fills them at once (prefault.h) */
	util_prefault(v + x->n, (want - x->n) * sizeof(*v));
	util_prefault(chain + x->n, (want - x->n) * sizeof(*chain));
	util_prefault(bucket, cap * sizeof(*bucket));
	for (size_t i = 0; i < x->n; i++) {
		uint32_t b = x->v[i].hash % (uint32_t)cap;
		x->chain[i] = bucket[b];
		bucket[b] = (uint32_t)i + 1;
	}
	return 0;
}

/* Sets name's owner without journaling. h is hash(name). borrow: name and
 * owner live in x->file (the loaded index) and are not copied. */
static int apply_put_b(struct hl_index *x, char *name, uint32_t h, uint64_t ino, char *owner,
		       bool borrow)
{
	char *o = borrow ? owner : strdup(owner);
	if (!o)
		return -1;
	long i = slot_of_h(x, name, h);
	if (i >= 0) {
		struct hl_lease *l = &x->v[i];
		if (l->owner_owned)
			free(l->owner);
		l->owner = o;
		l->owner_owned = !borrow;
		l->ino = ino;
		l->earlier_boot = false;
		if (!l->live)
			x->live++;
		l->live = true;
		return 0;
	}
	if (x->n == x->cap && grow_to(x, x->cap + 1) < 0)
		goto fail;
	struct hl_lease *l = &x->v[x->n];
	l->name = borrow ? name : strdup(name);
	if (!l->name)
		goto fail;
	l->owner = o;
	l->ino = ino;
	l->hash = h;
	l->name_owned = l->owner_owned = !borrow;
	l->live = true;
	l->earlier_boot = false;
	uint32_t b = h % (uint32_t)x->nbucket;
	x->chain[x->n] = x->bucket[b];
	x->bucket[b] = (uint32_t)++x->n;
	x->live++;
	return 0;
fail:
	if (!borrow)
		free(o);
	return -1;
}

static int apply_put(struct hl_index *x, const char *name, uint64_t ino, const char *owner)
{
	return apply_put_b(x, (char *)name, hash(name), ino, (char *)owner, false);
}

static void apply_del_h(struct hl_index *x, const char *name, uint32_t h)
{
	long i = slot_of_h(x, name, h);
	if (i >= 0 && x->v[i].live) {
		x->v[i].live = false;
		x->live--;
	}
}

static void apply_del(struct hl_index *x, const char *name)
{
	apply_del_h(x, name, hash(name));
}

bool hl_lease_ip(const struct hl_lease *l, struct cni_ip *ip)
{
	return cni_ip_parse(l->name, ip) == 0;
}

const struct hl_lease *hl_index_get(const struct hl_index *x, const char *name)
{
	long i = slot_of(x, name);
	return i >= 0 && x->v[i].live ? &x->v[i] : NULL;
}

struct hl_lease *hl_index_find(struct hl_index *x, const char *name)
{
	long i = slot_of(x, name);
	return i >= 0 && x->v[i].live ? &x->v[i] : NULL;
}

/* ---- records ----------------------------------------------------------- */

static bool plain(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
}

static int journal_add(struct hl_index *x, char op, const char *name, uint64_t ino,
		       const char *owner)
{
	size_t need = 3 * (strlen(name) + (owner ? strlen(owner) : 0)) + 26;
	if (strbuf_reserve(&x->journal, need) < 0)
		return -1;
	char *p = x->journal.p + x->journal.len;
	*p++ = op;
	for (const char *s = name; *s; s++)
		p += plain((unsigned char)*s) ? (*p = *s, 1) : sprintf(p, "%%%02X", (uint8_t)*s);
	if (owner) {
		p += sprintf(p, " %" PRIu64 " ", ino);
		for (const char *s = owner; *s; s++)
			p += plain((unsigned char)*s) ? (*p = *s, 1)
						      : sprintf(p, "%%%02X", (uint8_t)*s);
	}
	*p++ = '\n';
	*p = '\0'; /* strbuf keeps p NUL-terminated */
	x->journal.len = (size_t)(p - x->journal.p);
	return 0;
}

int hl_index_put(struct hl_index *x, const char *name, uint64_t ino, const char *owner,
		 struct cni_err *err)
{
	if (apply_put(x, name, ino, owner) < 0 || journal_add(x, '+', name, ino, owner) < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "lease index");
	return 0;
}

void hl_index_del(struct hl_index *x, const char *name)
{
	apply_del(x, name);
	if (journal_add(x, '-', name, 0, NULL) < 0)
		x->rewrite = true; /* the table is right; rewrite it whole */
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* we only ever write upper case */
}

/* Decodes %XX in s (n bytes, NUL-terminated) in place; false on a
 * malformed escape. memchr skips to the first escape: an owner is
 * "<id>%0D%0A<ifname>", and a load of thousands of them spent a sixth of
 * its time here when every byte went through the loop. */
static bool unescape_n(char *s, size_t n)
{
	char *w = memchr(s, '%', n);
	if (!w)
		return true; /* the common case for names: nothing to decode */
	const char *r = w, *end = s + n;
	while (r < end) {
		if (*r != '%') {
			*w++ = *r++;
			continue;
		}
		if (end - r >= 6 && memcmp(r, "%0D%0A", 6) == 0) { /* every owner has it */
			*w++ = '\r', *w++ = '\n', r += 6;
			continue;
		}
		int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
		if (lo < 0 || (hi | lo) == 0)
			return false;
		*w++ = (char)(hi << 4 | lo);
		r += 3;
	}
	*w = '\0';
	return true;
}

/* ---- the stamp --------------------------------------------------------- */

/* The directory's identity and times; returns the length written. */
static int stamp_words(const struct stat *st, char *buf)
{
	return snprintf(buf, HEADER_LEN,
			HEADER_MAGIC "%" PRIu64 " %" PRIu64 " %lld.%09ld %lld.%09ld",
			(uint64_t)st->st_ino, (uint64_t)st->st_size, (long long)st->st_mtim.tv_sec,
			st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

static const char *clock_word(enum hl_clock c)
{
	return c == HL_CLOCK_FINE ? "fine" : "coarse";
}

/* The stamp, then " fine=<boot id>" or " coarse=<boot id>" once the
 * directory was probed in this boot (left out when it does not fit: the
 * readdir check then runs, as for an unprobed directory). */
static void header_format(const struct stat *st, const struct hl_index *x, char *buf)
{
	int n = stamp_words(st, buf);
	if (x->clock != HL_CLOCK_UNKNOWN && x->boot_id[0]) {
		int m = snprintf(buf + n, HEADER_LEN - (size_t)n, " %s=%s", clock_word(x->clock),
				 x->boot_id);
		if (m > 0 && n + m < HEADER_LEN - 1)
			n += m;
	}
	memset(buf + n, ' ', HEADER_LEN - 1 - (size_t)n);
	buf[HEADER_LEN - 1] = '\n';
}

/* The clock word of a header whose stamp (n bytes) matched: known only
 * when it names this boot; a header from an older version has none. */
static enum hl_clock header_clock(const char *buf, size_t n, const char *boot_id)
{
	const char *p = buf + n, *end = buf + HEADER_LEN - 1;
	if (*end != '\n' || (p < end && *p != ' '))
		return HL_CLOCK_UNKNOWN;
	while (p < end && *p == ' ')
		p++;
	const char *word = p;
	while (p < end && *p != ' ')
		p++;
	for (const char *q = p; q < end; q++)
		if (*q != ' ')
			return HL_CLOCK_UNKNOWN;
	char want[HEADER_LEN];
	for (enum hl_clock c = HL_CLOCK_COARSE; c <= HL_CLOCK_FINE; c++) {
		int m = snprintf(want, sizeof(want), "%s=%s", clock_word(c), boot_id);
		if (*boot_id && m == p - word && memcmp(word, want, (size_t)m) == 0)
			return c;
	}
	return HL_CLOCK_UNKNOWN;
}

/* One record, split in place: name (and for '+', inode and owner)
 * NUL-terminated and unescaped, hash = hash(name). */
struct record {
	char op;
	char *name, *owner;
	uint64_t ino;
	uint32_t hash;
};

/* The decimal inode between two spaces; NULL when there is none. */
static char *split_ino(char *p, uint64_t *ino)
{
	char *start = p;
	uint64_t v = 0;
	for (unsigned d; (d = (unsigned)(*p - '0')) < 10; p++)
		v = v * 10 + d;
	*ino = v;
	return p > start && p - start <= 20 && *p == ' ' ? p + 1 : NULL;
}

/* Bytes that end or flag a name in a record (split_record). */
enum { NAME_PLAIN, NAME_END, NAME_SPACE, NAME_ESCAPE, NAME_SLASH };
static const uint8_t name_class[256] = {['\0'] = NAME_END,
					['\n'] = NAME_END,
					[' '] = NAME_SPACE,
					['%'] = NAME_ESCAPE,
					['/'] = NAME_SLASH};

/* Splits the line at p. Returns the next line, or NULL when the line is
 * malformed or lacks its '\n' (a torn tail). One pass over the name, which
 * is what a load of thousands of records spends its time on. */
static char *split_record(char *p, struct record *r)
{
	r->op = *p++;
	r->name = p;
	r->owner = NULL;
	r->ino = 0;
	bool escaped = false, slash = false;
	for (;; p++) {
		uint8_t k = name_class[(uint8_t)*p];
		if (k == NAME_PLAIN)
			continue;
		if (k == NAME_END || (k == NAME_SPACE && r->op == '+'))
			break;
		escaped |= k == NAME_ESCAPE;
		slash |= k == NAME_SLASH;
	}
	uint32_t h = hash_n(r->name, (size_t)(p - r->name));
	char *owner_end = NULL;
	if (r->op == '+') { /* "+name ino owner" */
		if (*p != ' ')
			return NULL;
		*p = '\0';
		if (!(r->owner = split_ino(p + 1, &r->ino)) || !(p = strchr(r->owner, '\n')))
			return NULL;
		owner_end = p;
	}
	if ((r->op != '+' && r->op != '-') || *p != '\n')
		return NULL;
	*p = '\0';
	if (escaped) {
		if (!unescape_n(r->name, strlen(r->name)))
			return NULL;
		h = hash(r->name);
		slash = strchr(r->name, '/') != NULL;
	}
	r->hash = h;
	/* names become unlinkat() paths: only plain entries of this
	 * directory (verify_names checks them against readdir too) */
	const char *n = r->name;
	if (!*n || slash || (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]))) ||
	    (r->owner && !unescape_n(r->owner, (size_t)(owner_end - r->owner))))
		return NULL;
	return p + 1;
}

/* Parses the records after a header that matched (len: the bytes left in
 * the buffer; a NUL before then ends the records too); false when
 * malformed. The length comes from the file's size: on this VM every pass
 * over a 200 KB index costs a tenth of a millisecond or more. */
static bool load_records(struct hl_index *x, char *p, size_t len)
{
	size_t lines = 0;
	const char *end = p + len;
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(end - q))); q++)
		lines++;
	if (grow_to(x, lines) < 0)
		return false;
	while (*p) {
		struct record r;
		if (!(p = split_record(p, &r)))
			return false;
		if (r.op == '+' ? apply_put_b(x, r.name, r.hash, r.ino, r.owner, true) < 0
				: (apply_del_h(x, r.name, r.hash), 0))
			return false;
		x->file_records++;
	}
	return true;
}

static bool skip_name(const char *n);

DIR *hl_dir_open(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d && fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return d;
}

/* The directory holds exactly the indexed files, each still the same inode.
 * Catches what the stamp cannot on filesystems whose timestamps are coarse
 * (tmpfs: two changes in one clock tick share a timestamp); there, inode
 * numbers are not reused soon, so a file deleted and made again differs. On
 * filesystems that reuse inodes at once (ext4), multigrain timestamps make
 * the stamp itself reliable. Costs one readdir, no file is opened. */
static bool verify_names(const struct hl_index *x, int dirfd)
{
	DIR *d = hl_dir_open(dirfd);
	if (!d)
		return false;
	size_t seen = 0;
	bool ok = true;
	struct dirent *e;
	while (ok && (e = readdir(d))) {
		if (skip_name(e->d_name) || e->d_type == DT_DIR || e->d_type == DT_LNK)
			continue;
		const struct hl_lease *l = hl_index_get(x, e->d_name);
		/* a .tmp- file is a crash remnant: rescan to remove it */
		ok = l && l->ino == (uint64_t)e->d_ino;
		seen++;
	}
	closedir(d);
	return ok && seen == x->live;
}

/* The whole index file, NUL-terminated, in x->file; NULL when missing,
 * not a regular file, shorter than a header or unreadable. */
static char *read_file(struct hl_index *x, int dirfd, size_t *len)
{
	int fd cleanup_close =
	    openat(dirfd, HL_INDEX_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < HEADER_LEN ||
	    st.st_size > (64 << 20))
		return NULL;
	char *buf = x->file = malloc((size_t)st.st_size + 1);
	util_prefault(buf, (size_t)st.st_size + 1);
	if (!buf || util_read_full(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size)
		return NULL;
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return buf;
}

/* 1 = loaded, 0 = missing, stale or malformed. */
static int load(struct hl_index *x, int dirfd, const struct stat *dir)
{
	size_t len = 0;
	char *buf = read_file(x, dirfd, &len);
	if (!buf)
		return 0;
	char want[HEADER_LEN];
	int n = stamp_words(dir, want);
	if (n >= HEADER_LEN - 1 || memcmp(buf, want, (size_t)n) != 0)
		return 0;
	x->clock = header_clock(buf, (size_t)n, x->boot_id);
	if (!load_records(x, buf + HEADER_LEN, len - HEADER_LEN))
		return 0;
	/* Where two changes may share a ctime, a matching stamp is not
	 * enough. (Round four also trusted tmpfs on 6.13+, and a CI run missed
	 * 2 of 50 same-tick foreign DEL+ADDs there: dirclock.c excludes it.) */
	return x->clock == HL_CLOCK_FINE || verify_names(x, dirfd) ? 1 : 0;
}

int hl_index_load_file(struct hl_index *x, int dirfd)
{
	memset(x, 0, sizeof(*x));
	if (grow_to(x, 1) < 0)
		return 0;
	size_t len = 0;
	char *buf = read_file(x, dirfd, &len);
	/* a header of spaces is one written but not yet stamped */
	if (!buf || buf[HEADER_LEN - 1] != '\n' ||
	    (strncmp(buf, HEADER_MAGIC, strlen(HEADER_MAGIC)) != 0 && buf[0] != ' '))
		return 0;
	load_records(x, buf + HEADER_LEN, len - HEADER_LEN);
	return 1;
}

/* ---- the rescan -------------------------------------------------------- */

static bool skip_name(const char *n)
{
	if (n[0] != '.' && n[0] != 'l')
		return false; /* every lease: an address starts with a hex digit */
	return strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || strcmp(n, "lock") == 0 ||
	       strcmp(n, HL_INDEX_NAME) == 0 || strcmp(n, HL_BOOT_NAME) == 0 ||
	       strncmp(n, "last_reserved_ip.", 17) == 0;
}

/* The owner of one lease file as the reference reads it: the trimmed
 * content. Symlinks are never followed (O_NOFOLLOW), FIFOs never block. */
void hl_read_owner(int dirfd, const char *name, char *buf, size_t len)
{
	buf[0] = '\0';
	int fd cleanup_close = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	ssize_t n = util_read_full(fd, buf, len - 1);
	if (n < 0 || (size_t)n == len - 1 || memchr(buf, '\0', (size_t)n)) {
		buf[0] = '\0';
		return;
	}
	buf[n] = '\0';
	memmove(buf, hl_trim(buf), strlen(hl_trim(buf)) + 1);
}

static int rescan(struct hl_index *x, int dirfd, struct cni_err *err)
{
	DIR *d = hl_dir_open(dirfd);
	if (!d)
		return cni_err_errno(err, CNI_ERR_IO, errno, "cannot read the lease store");
	char owner[HL_LEASE_MAX];
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (skip_name(e->d_name))
			continue;
		if (strncmp(e->d_name, HL_TMP_PREFIX, strlen(HL_TMP_PREFIX)) == 0) {
			unlinkat(dirfd, e->d_name, 0); /* a crashed writer's; we hold the lock */
			continue;
		}
		if (e->d_type == DT_DIR || e->d_type == DT_LNK)
			continue; /* never followed; see the README's store notes */
		hl_read_owner(dirfd, e->d_name, owner, sizeof(owner));
		if (apply_put(x, e->d_name, (uint64_t)e->d_ino, owner) < 0) {
			rc = cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "lease index");
			break;
		}
	}
	closedir(d);
	x->rewrite = true;
	return rc;
}

int hl_index_open(struct hl_index *x, int dirfd, struct cni_err *err)
{
	memset(x, 0, sizeof(*x));
	struct cni_err no_id = {0};
	if (hl_boot_id(x->boot_id, &no_id) < 0)
		x->boot_id[0] = '\0'; /* no fast path; boot.c says why */
	if (grow_to(x, 1) < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "lease index");
	struct stat dir;
	if (fstat(dirfd, &dir) < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "cannot stat the lease store");
	if (load(x, dirfd, &dir) == 1)
		return 0;
	char boot_id[HL_BOOT_ID_MAX];
	memcpy(boot_id, x->boot_id, sizeof(boot_id));
	hl_index_free(x);
	memcpy(x->boot_id, boot_id, sizeof(boot_id));
	if (grow_to(x, 1) < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "lease index");
	return rescan(x, dirfd, err);
}

/* ---- writing ----------------------------------------------------------- */

int hl_index_records(const struct hl_index *x, struct strbuf *out)
{
	struct hl_index tmp = {0};
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i].live &&
		    journal_add(&tmp, '+', x->v[i].name, x->v[i].ino, x->v[i].owner) < 0) {
			strbuf_free(&tmp.journal);
			return -1;
		}
	*out = tmp.journal;
	return 0;
}

bool hl_index_parse(struct hl_index *x, char *text)
{
	x->file = text;
	return grow_to(x, 1) == 0 && load_records(x, text, strlen(text));
}

static int write_all_records(struct hl_index *x, int fd)
{
	struct strbuf records;
	if (hl_index_records(x, &records) < 0)
		return -1;
	int rc = util_write_full(fd, records.p ? records.p : "", records.len);
	strbuf_free(&records);
	x->file_records = x->live;
	return rc;
}

/* A fresh file under a temporary name, renamed over the old one; returns
 * the open fd of the new file for the stamp. */
static int rewrite_file(struct hl_index *x, int dirfd)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), HL_TMP_PREFIX "index-%d", (int)getpid());
	unlinkat(dirfd, tmp, 0);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	char header[HEADER_LEN];
	memset(header, ' ', sizeof(header)); /* stamped once renamed */
	header[HEADER_LEN - 1] = '\n';
	if (util_write_full(fd, header, HEADER_LEN) < 0 || write_all_records(x, fd) < 0 ||
	    renameat(dirfd, tmp, dirfd, HL_INDEX_NAME) < 0) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return fd;
}

static int append_journal(struct hl_index *x, int dirfd)
{
	/* not O_APPEND: Linux pwrite() would append the header too */
	int fd = openat(dirfd, HL_INDEX_NAME, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (lseek(fd, 0, SEEK_END) < 0 || util_write_full(fd, x->journal.p, x->journal.len) < 0) {
		close(fd);
		return -1;
	}
	for (const char *p = x->journal.p; p < x->journal.p + x->journal.len; p++)
		x->file_records += *p == '\n';
	return fd;
}

int hl_index_flush(struct hl_index *x, int dirfd, struct cni_err *err)
{
	if (!x->rewrite && x->journal.len == 0 && !x->restamp)
		return 0; /* nothing changed: the old stamp still holds */
	size_t jrec = 0;
	for (size_t i = 0; i < x->journal.len; i++)
		jrec += x->journal.p[i] == '\n';
	/* compact once dead records outweigh the live ones */
	bool whole = x->rewrite || x->file_records + jrec > 2 * x->live + 1024;
	int fd = whole ? rewrite_file(x, dirfd) : append_journal(x, dirfd);
	if (fd < 0 && !whole)
		fd = rewrite_file(x, dirfd);
	if (fd < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "cannot write the lease index");
	if (x->clock == HL_CLOCK_UNKNOWN && x->boot_id[0])
		x->clock = hl_dir_fine_grained(dirfd) ? HL_CLOCK_FINE : HL_CLOCK_COARSE;
	/* Our last change to the directory is done: the stamp from here on
	 * tells whether anybody else changed it. */
	struct stat dir;
	char header[HEADER_LEN];
	int rc = 0;
	if (fstat(dirfd, &dir) < 0)
		rc = -1;
	else
		header_format(&dir, x, header);
	if (rc == 0 && pwrite(fd, header, HEADER_LEN, 0) != HEADER_LEN)
		rc = -1;
	if (rc < 0)
		cni_err_errno(err, CNI_ERR_IO, errno, "cannot stamp the lease index");
	close(fd);
	x->journal.len = 0;
	x->rewrite = x->restamp = false;
	return rc;
}

void hl_index_free(struct hl_index *x)
{
	for (size_t i = 0; i < x->n; i++) {
		if (x->v[i].name_owned)
			free(x->v[i].name);
		if (x->v[i].owner_owned)
			free(x->v[i].owner);
	}
	free(x->v);
	free(x->chain);
	free(x->bucket);
	strbuf_free(&x->journal);
	free(x->file);
	memset(x, 0, sizeof(*x));
}
