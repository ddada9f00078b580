#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/util/cleanup.h"
#include "lib/util/io.h"
#include "lib/util/prefault.h"
#include "plugin/host-local/boot.h"
#include "plugin/host-local/dirclock.h"
#include "plugin/host-local/index.h"

#define HEADER_LEN 128
#define HEADER_MAGIC "cni-bridge-index 3 "
#define HEADER_MAGIC_V2 "cni-bridge-index 2 " /* read by hl_index_load_file only */

char *hl_trim(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

bool hl_unescape(char *s)
{
	char *w = s;
	for (; *s; s++) {
		unsigned v;
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]) ||
		    sscanf(s + 1, "%2x", &v) != 1 || v == 0)
			return false;
		*w++ = (char)v;
		s += 2;
	}
	*w = '\0';
	return true;
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
	for (uint32_t i = x->bucket[h & (x->nbucket - 1)]; i; i = x->chain[i - 1])
		if (x->v[i - 1].hash == h && strcmp(x->v[i - 1].name, name) == 0)
			return (long)i - 1;
	return -1;
}

static long slot_of(const struct hl_index *x, const char *name)
{
	return slot_of_h(x, name, hash(name));
}

/* Makes room for at least want slots (doubling, so the bucket count stays
 * a power of two and a mask picks the bucket), rehashing once. */
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
		uint32_t b = x->v[i].hash & (uint32_t)(cap - 1);
		x->chain[i] = bucket[b];
		bucket[b] = (uint32_t)i + 1;
	}
	return 0;
}

/* Sets name's owner without journaling. h is hash(name). borrow: name and
 * owner live in x->file (the loaded index) and are not copied. */
static int apply_put_b(struct hl_index *x, const char *name, uint32_t h, uint64_t ino,
		       const char *owner, bool borrow)
{
	const char *o = borrow ? owner : strdup(owner);
	if (!o)
		return -1;
	long i = slot_of_h(x, name, h);
	if (i >= 0) {
		struct hl_lease *l = &x->v[i];
		if (l->owner_owned)
			free((char *)l->owner);
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
	uint32_t b = h & (uint32_t)(x->nbucket - 1);
	x->chain[x->n] = x->bucket[b];
	x->bucket[b] = (uint32_t)++x->n;
	x->live++;
	return 0;
fail:
	if (!borrow)
		free((char *)o);
	return -1;
}

static int apply_put(struct hl_index *x, const char *name, uint64_t ino, const char *owner)
{
	return apply_put_b(x, name, hash(name), ino, owner, false);
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

/* "+<inode> <owner length> <name>\0<owner>\0\n" or "-<name>\0\n": the
 * lengths and NULs let a load point into the mapped file (no copy, no
 * unescaping) and skip each owner's bytes. */
static int journal_add(struct hl_index *x, char op, const char *name, uint64_t ino,
		       const char *owner)
{
	size_t nl = strlen(name), ol = owner ? strlen(owner) : 0;
	if (strbuf_reserve(&x->journal, nl + ol + 48) < 0)
		return -1;
	char *p = x->journal.p + x->journal.len;
	if (owner)
		p += sprintf(p, "%c%" PRIu64 " %zu ", op, ino, ol);
	else
		*p++ = op;
	memcpy(p, name, nl + 1);
	p += nl + 1;
	if (owner) {
		memcpy(p, owner, ol + 1);
		p += ol + 1;
	}
	*p++ = '\n';
	*p = '\0'; /* strbuf keeps p NUL-terminated */
	x->journal.len = (size_t)(p - x->journal.p);
	x->journal_records++;
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

/* ---- the stamp --------------------------------------------------------- */

/* A decimal number of at most 20 digits followed by a space; NULL when
 * there is none before end. */
static const char *parse_num(const char *p, const char *end, uint64_t *v)
{
	const char *start = p;
	uint64_t n = 0;
	for (unsigned d; p < end && (d = (unsigned)(*p - '0')) < 10; p++)
		n = n * 10 + d;
	*v = n;
	return p > start && p - start <= 20 && p < end && *p == ' ' ? p + 1 : NULL;
}

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
 * directory was probed in this boot, then " n=<records in the file>", each
 * left out when it does not fit (without the clock word the readdir check
 * runs, as for an unprobed directory; without n a load grows its table). */
static void header_format(const struct stat *st, const struct hl_index *x, char *buf)
{
	int n = stamp_words(st, buf);
	char word[HEADER_LEN];
	for (int w = 0; w < 2; w++) {
		int m = 0;
		if (w == 0 && x->clock != HL_CLOCK_UNKNOWN && x->boot_id[0])
			m = snprintf(word, sizeof(word), " %s=%s", clock_word(x->clock),
				     x->boot_id);
		else if (w == 1)
			m = snprintf(word, sizeof(word), " n=%zu", x->file_records);
		if (m > 0 && n + m < HEADER_LEN - 1) {
			memcpy(buf + n, word, (size_t)m);
			n += m;
		}
	}
	memset(buf + n, ' ', HEADER_LEN - 1 - (size_t)n);
	buf[HEADER_LEN - 1] = '\n';
}

/* The words after a stamp (n bytes) that matched: the clock, known only
 * when it names this boot (a header from an older version has none), and
 * the record count (0 when absent). */
static enum hl_clock header_words(const char *buf, size_t n, const char *boot_id, size_t *records)
{
	const char *p = buf + n, *end = buf + HEADER_LEN - 1;
	enum hl_clock clock = HL_CLOCK_UNKNOWN;
	*records = 0;
	if (*end != '\n' || (p < end && *p != ' '))
		return HL_CLOCK_UNKNOWN;
	char want[HEADER_LEN];
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *word = p;
		while (p < end && *p != ' ')
			p++;
		if (p - word > 2 && memcmp(word, "n=", 2) == 0) {
			uint64_t v = 0;
			char num[HEADER_LEN];
			memcpy(num, word + 2, (size_t)(p - word - 2));
			num[p - word - 2] = ' ';
			if (parse_num(num, num + (p - word - 1), &v))
				*records = (size_t)v;
			continue;
		}
		for (enum hl_clock c = HL_CLOCK_COARSE; c <= HL_CLOCK_FINE; c++) {
			int m = snprintf(want, sizeof(want), "%s=%s", clock_word(c), boot_id);
			if (*boot_id && m == p - word && memcmp(word, want, (size_t)m) == 0)
				clock = c;
		}
	}
	return clock;
}

/* One record, pointing into the file: name and owner NUL-terminated there
 * (an owner holding a NUL reads as its part before it: we never write one),
 * hash = hash(name). */
struct record {
	char op;
	const char *name, *owner;
	uint64_t ino;
	uint32_t hash;
};

/* Parses the record at p, reading nothing at or past end. Returns the next
 * record, or NULL when this one is malformed or torn. The name is read byte
 * by byte (it is hashed anyway); the owner is skipped by its length, which
 * is what keeps a load of thousands of leases cheap. */
static const char *parse_record(const char *p, const char *end, struct record *r)
{
	uint64_t olen = 0;
	r->op = *p++;
	r->owner = NULL;
	r->ino = 0;
	if (r->op == '+') {
		if (!(p = parse_num(p, end, &r->ino)) || !(p = parse_num(p, end, &olen)))
			return NULL;
	} else if (r->op != '-')
		return NULL;
	const char *q = p;
	bool slash = false;
	for (; q < end && *q; q++)
		slash |= *q == '/';
	/* names become unlinkat() paths: only plain entries of this directory
	 * (verify_names checks them against readdir too) */
	if (q == end || q == p || slash ||
	    (p[0] == '.' && (q == p + 1 || (p[1] == '.' && q == p + 2))))
		return NULL;
	r->name = p;
	r->hash = hash_n(p, (size_t)(q - p));
	q++;
	if (r->op == '+') {
		size_t room = (size_t)(end - q);
		if (room < 2 || olen > room - 2 || q[olen] != '\0')
			return NULL;
		r->owner = q;
		q += olen + 1;
	}
	return q < end && *q == '\n' ? q + 1 : NULL;
}

/* Parses the len bytes of records at p after a header that matched; false
 * when one is malformed or torn. hint: how many records the header says
 * the file holds (the table is sized once; a wrong hint only costs growth). */
static bool load_records(struct hl_index *x, const char *p, size_t len, size_t hint)
{
	const char *end = p + len;
	if (grow_to(x, hint < len / 4 ? hint : len / 4) < 0)
		return false;
	while (p < end) {
		struct record r;
		if (!(p = parse_record(p, end, &r)))
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

/* The whole index file, mapped read-only in x->file: a load points into
 * it rather than copying it, which on a VM costs more than the parse
 * (measured: 0.5 ms to read() a 250 KB index, 25 us to map it). NULL when
 * missing, not a regular file, shorter than a header or unreadable. Every
 * writer holds the store lock, as we do, so the file does not shrink under
 * the mapping. */
static const char *map_file(struct hl_index *x, int dirfd, size_t *len)
{
	int fd cleanup_close =
	    openat(dirfd, HL_INDEX_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < HEADER_LEN ||
	    st.st_size > (64 << 20))
		return NULL;
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED)
		return NULL;
	x->file = m;
	x->file_len = *len = (size_t)st.st_size;
	x->file_mapped = true;
	return m;
}

/* 1 = loaded, 0 = missing, stale or malformed. */
static int load(struct hl_index *x, int dirfd, const struct stat *dir)
{
	size_t len = 0, records;
	const char *buf = map_file(x, dirfd, &len);
	if (!buf)
		return 0;
	char want[HEADER_LEN];
	int n = stamp_words(dir, want);
	if (n >= HEADER_LEN - 1 || memcmp(buf, want, (size_t)n) != 0)
		return 0;
	x->clock = header_words(buf, (size_t)n, x->boot_id, &records);
	if (!load_records(x, buf + HEADER_LEN, len - HEADER_LEN, records))
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
	const char *buf = map_file(x, dirfd, &len);
	if (!buf || buf[HEADER_LEN - 1] != '\n')
		return 0;
	const char *rec = buf + HEADER_LEN;
	size_t rlen = len - HEADER_LEN;
	/* A header of spaces is one written but not yet stamped; its records
	 * are of this version when they hold a NUL (version 2's never do). */
	bool blank = buf[0] == ' ';
	if (strncmp(buf, HEADER_MAGIC, strlen(HEADER_MAGIC)) == 0 ||
	    (blank && memchr(rec, '\0', rlen)))
		load_records(x, rec, rlen, 0);
	else if (strncmp(buf, HEADER_MAGIC_V2, strlen(HEADER_MAGIC_V2)) == 0 || blank)
		hl_index_v2_records(x, rec, rlen);
	else
		return 0;
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

bool hl_index_parse(struct hl_index *x, char *text, size_t len)
{
	x->file = text;
	return grow_to(x, 1) == 0 && load_records(x, text, len, 0);
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
	x->file_records += x->journal_records;
	return fd;
}

int hl_index_flush(struct hl_index *x, int dirfd, struct cni_err *err)
{
	if (!x->rewrite && x->journal.len == 0 && !x->restamp)
		return 0; /* nothing changed: the old stamp still holds */
	/* Compact once the records pass the live leases by an eighth of them
	 * plus 32: every call maps and parses the whole file, so dead records
	 * cost every call (under the old 2 x live + 1024 rule an empty store
	 * after churn carried up to 1024, a 0.1 ms load; 1000 leases carried
	 * about 1900), and a rewrite every live/8 + 32 changes costs a few us
	 * per call. */
	bool whole =
	    x->rewrite || x->file_records + x->journal_records > x->live + x->live / 8 + 32;
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
	x->journal.len = x->journal_records = 0;
	x->rewrite = x->restamp = false;
	return rc;
}

void hl_index_free(struct hl_index *x)
{
	for (size_t i = 0; i < x->n; i++) {
		if (x->v[i].name_owned)
			free((char *)x->v[i].name);
		if (x->v[i].owner_owned)
			free((char *)x->v[i].owner);
	}
	free(x->v);
	free(x->chain);
	free(x->bucket);
	strbuf_free(&x->journal);
	if (x->file_mapped)
		munmap((void *)x->file, x->file_len);
	else
		free((void *)x->file);
	memset(x, 0, sizeof(*x));
}
