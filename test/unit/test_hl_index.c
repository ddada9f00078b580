/* plugin/host-local index.c: the lease index is trusted only while the
 * store directory is unchanged, survives torn writes, escapes any byte, and
 * compacts itself. Each test works in a fresh directory under /tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include "plugin/host-local/boot.h"
#include "plugin/host-local/index.h"

/* Runs once on /tmp (ext4 here) and once on /dev/shm (tmpfs), the two kinds
 * of dataDir seen in practice; ext4's timestamps are multigrain from Linux
 * 6.13 on, coarse before; tmpfs directories' are coarse on every kernel
 * (dirclock.c). */
static const char *base = "/tmp";

struct fx {
	char dir[64];
	int dirfd;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/hl-index-XXXXXX", base);
	if (!mkdtemp(f->dir))
		return -1;
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = f;
	return f->dirfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	close(f->dirfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void put_file(struct fx *f, const char *name, const char *content)
{
	int fd = openat(f->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

/* A lease file on disk and in the index, as hl_store_reserve makes it. */
static void put_lease(struct fx *f, struct hl_index *x, const char *name, const char *owner)
{
	struct cni_err err = {0};
	struct stat st;
	put_file(f, name, owner);
	assert_int_equal(fstatat(f->dirfd, name, &st, 0), 0);
	assert_int_equal(hl_index_put(x, name, (uint64_t)st.st_ino, owner, &err), 0);
}

static void del_lease(struct fx *f, struct hl_index *x, const char *name)
{
	assert_int_equal(unlinkat(f->dirfd, name, 0), 0);
	hl_index_del(x, name);
}

static const char *owner_of(struct hl_index *x, const char *name)
{
	const struct hl_lease *l = hl_index_get(x, name);
	return l ? l->owner : NULL;
}

/* Opens, and tells whether the file was trusted (no rescan). */
static bool reopen(struct fx *f, struct hl_index *x)
{
	struct cni_err err = {0};
	assert_int_equal(hl_index_open(x, f->dirfd, &err), 0);
	return !x->rewrite;
}

static void close_index(struct fx *f, struct hl_index *x)
{
	struct cni_err err = {0};
	assert_int_equal(hl_index_flush(x, f->dirfd, &err), 0);
	hl_index_free(x);
}

static void test_rescan_then_trust(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	put_file(f, "10.0.0.2", "c1\r\neth0\n");
	put_file(f, "10.0.0.3", "legacy");
	put_file(f, "lock", "");
	put_file(f, "last_reserved_ip.0", "10.0.0.3");
	assert_false(reopen(f, &x)); /* no index yet: rescan */
	assert_string_equal(owner_of(&x, "10.0.0.2"), "c1\r\neth0");
	assert_string_equal(owner_of(&x, "10.0.0.3"), "legacy");
	assert_null(owner_of(&x, "lock"));
	assert_null(owner_of(&x, "last_reserved_ip.0"));
	close_index(f, &x);
	assert_true(reopen(f, &x)); /* nothing changed: trusted */
	assert_string_equal(owner_of(&x, "10.0.0.2"), "c1\r\neth0");
	assert_int_equal(x.live, 2);
	close_index(f, &x);
}

static void test_foreign_change_forces_rescan(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	reopen(f, &x);
	put_lease(f, &x, "10.0.0.2", "c1\r\neth0");
	close_index(f, &x);
	assert_true(reopen(f, &x));
	close_index(f, &x);
	/* another writer (the reference) adds a lease right after our stamp */
	put_file(f, "10.0.0.9", "other\r\neth0");
	assert_false(reopen(f, &x));
	assert_string_equal(owner_of(&x, "10.0.0.9"), "other\r\neth0");
	close_index(f, &x);
	/* ... and removes one */
	assert_int_equal(unlinkat(f->dirfd, "10.0.0.2", 0), 0);
	assert_false(reopen(f, &x));
	assert_null(owner_of(&x, "10.0.0.2"));
	assert_int_equal(x.live, 1);
	close_index(f, &x);
}

static void test_journal_and_escapes(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	reopen(f, &x);
	close_index(f, &x); /* the file now exists and is trusted */
	assert_true(reopen(f, &x));
	const char *odd = "a b%c\r\n\t\x7f\xc3\xa9";
	put_lease(f, &x, "weird name%", odd);
	put_lease(f, &x, "10.0.0.5", "c5\r\neth0");
	put_lease(f, &x, "10.0.0.6", "c6\r\neth0");
	del_lease(f, &x, "10.0.0.5");
	close_index(f, &x);
	assert_true(reopen(f, &x));
	assert_string_equal(owner_of(&x, "weird name%"), odd);
	assert_null(owner_of(&x, "10.0.0.5"));
	assert_string_equal(owner_of(&x, "10.0.0.6"), "c6\r\neth0");
	close_index(f, &x);
	/* the reference's DEL deletes a file whose trimmed content is
	 * "<id>\r\n<ifname>": here an id would have to hold the header's
	 * spaces, which no container ID does */
	char buf[4096];
	int fd = openat(f->dirfd, HL_INDEX_NAME, O_RDONLY | O_CLOEXEC);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 128);
	const char *crlf = memmem(buf, (size_t)n, "\r\n", 2);
	assert_non_null(crlf);
	assert_non_null(memchr(buf, ' ', (size_t)(crlf - buf)));
}

static void test_torn_tail_and_garbage(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	put_file(f, "10.0.0.2", "c1\r\neth0");
	reopen(f, &x);
	close_index(f, &x);
	/* a torn append (the directory is unchanged, so the stamp matches) */
	int fd = openat(f->dirfd, HL_INDEX_NAME, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_int_equal(write(fd, "+5 8 10.0.0.7\0c7\r", 16), 16);
	close(fd);
	assert_false(reopen(f, &x));
	assert_null(owner_of(&x, "10.0.0.7"));
	assert_string_equal(owner_of(&x, "10.0.0.2"), "c1\r\neth0");
	close_index(f, &x);
	/* an owner length that does not fit the record */
	fd = openat(f->dirfd, HL_INDEX_NAME, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_int_equal(write(fd, "+1 9 10.0.0.8\0c\0\n", 17), 17);
	close(fd);
	assert_false(reopen(f, &x));
	close_index(f, &x);
	/* a name that would be a path elsewhere */
	fd = openat(f->dirfd, HL_INDEX_NAME, O_WRONLY | O_APPEND | O_CLOEXEC);
	const char rec[] = "+1 7 ../victim\0c\r\neth0\0\n";
	assert_int_equal(write(fd, rec, sizeof(rec) - 1), (ssize_t)sizeof(rec) - 1);
	close(fd);
	assert_false(reopen(f, &x));
	assert_null(owner_of(&x, "../victim"));
	close_index(f, &x);
	/* a header of the right length that is not ours */
	fd = openat(f->dirfd, HL_INDEX_NAME, O_WRONLY | O_CLOEXEC);
	assert_int_equal(pwrite(fd, "xxxxxxxxxxxxxxxxxxx", 19, 0), 19);
	close(fd);
	assert_false(reopen(f, &x));
	assert_string_equal(owner_of(&x, "10.0.0.2"), "c1\r\neth0");
	hl_index_free(&x);
}

/* hl_index_load_file (boot.c, after a reboot) reads the records as they
 * are: this version's, and version 2's (text, %XX-escaped) as an upgraded
 * machine's first boot finds them, stamped or not (a header of spaces). */
static void write_index(struct fx *f, const char *head, const char *rec, size_t len)
{
	char h[128];
	memset(h, ' ', sizeof(h));
	memcpy(h, head, strlen(head));
	h[127] = '\n';
	int fd = openat(f->dirfd, HL_INDEX_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, h, 128), 128);
	assert_int_equal(write(fd, rec, len), (ssize_t)len);
	close(fd);
}

static void test_load_file_versions(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	const char v2[] = "+10.0.0.2 7 c1%0D%0Aeth0\n+a%20b 8 c%252%0D%0Aeth1\n"
			  "+10.0.0.3 9 c3%0D%0Aeth0\n-10.0.0.3\n+10.0.0.4 1 torn";
	const char v3[] = "+7 8 10.0.0.2\0c1\r\neth0\0\n-10.0.0.2\0\n+6 8 10.0.0.5\0c5\r\neth0\0\n";
	for (int blank = 0; blank < 2; blank++) {
		write_index(f, blank ? "" : "cni-bridge-index 2 1 2 3.0 4.0", v2, sizeof(v2) - 1);
		assert_int_equal(hl_index_load_file(&x, f->dirfd), 1);
		assert_string_equal(owner_of(&x, "10.0.0.2"), "c1\r\neth0");
		assert_int_equal(hl_index_get(&x, "10.0.0.2")->ino, 7);
		assert_string_equal(owner_of(&x, "a b"), "c%2\r\neth1");
		assert_null(owner_of(&x, "10.0.0.3"));
		assert_null(owner_of(&x, "10.0.0.4")); /* the torn tail ends the load */
		assert_int_equal(x.live, 2);
		hl_index_free(&x);
		write_index(f, blank ? "" : "cni-bridge-index 3 1 2 3.0 4.0 n=3", v3,
			    sizeof(v3) - 1);
		assert_int_equal(hl_index_load_file(&x, f->dirfd), 1);
		assert_null(owner_of(&x, "10.0.0.2"));
		assert_string_equal(owner_of(&x, "10.0.0.5"), "c5\r\neth0");
		assert_int_equal(hl_index_get(&x, "10.0.0.5")->ino, 6);
		assert_int_equal(x.live, 1);
		hl_index_free(&x);
	}
	/* an empty line ends version 2's records (the fuzzer found it read
	 * past the line) */
	const char gap[] = "+10.0.0.2 7 c1%0D%0Aeth0\n\n+10.0.0.9 1 c9\n";
	write_index(f, "cni-bridge-index 2 1 2 3.0 4.0", gap, sizeof(gap) - 1);
	assert_int_equal(hl_index_load_file(&x, f->dirfd), 1);
	assert_string_equal(owner_of(&x, "10.0.0.2"), "c1\r\neth0");
	assert_null(owner_of(&x, "10.0.0.9"));
	hl_index_free(&x);
	write_index(f, "cni-bridge-index 9 1 2 3.0 4.0", v3, sizeof(v3) - 1);
	assert_int_equal(hl_index_load_file(&x, f->dirfd), 0); /* not a version we know */
	hl_index_free(&x);
}

static void test_rescan_cleans_temp_and_skips_links(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	put_file(f, ".tmp-10.0.0.4-999999", "dead\r\neth0");
	put_file(f, "target", "c9\r\neth0");
	assert_int_equal(symlinkat("target", f->dirfd, "10.0.0.9"), 0);
	assert_int_equal(mkdirat(f->dirfd, "sub", 0755), 0);
	assert_false(reopen(f, &x));
	assert_int_equal(faccessat(f->dirfd, ".tmp-10.0.0.4-999999", F_OK, AT_SYMLINK_NOFOLLOW),
			 -1);
	assert_null(owner_of(&x, "10.0.0.9")); /* never read through */
	assert_null(owner_of(&x, "sub"));
	assert_string_equal(owner_of(&x, "target"), "c9\r\neth0");
	close_index(f, &x);
}

static void test_compaction(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	char name[32];
	reopen(f, &x);
	close_index(f, &x);
	for (int round = 0; round < 30; round++) {
		assert_true(reopen(f, &x));
		for (int i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "10.1.%d.%d", round, i);
			put_lease(f, &x, name, "c\r\neth0");
			del_lease(f, &x, name);
		}
		close_index(f, &x);
		/* 6000 records in all; a flush leaves at most the live records
		 * plus the slack (an eighth of them, plus 32): with none live
		 * and 200 written per round, every flush compacts */
		struct stat st;
		assert_int_equal(fstatat(f->dirfd, HL_INDEX_NAME, &st, 0), 0);
		assert_true(st.st_size <= 128 + 40 * 32);
	}
	assert_true(reopen(f, &x));
	assert_int_equal(x.live, 0);
	hl_index_free(&x);
}

/* On tmpfs two changes in one clock tick share a timestamp; the inode check
 * still sees a lease deleted and made again by somebody else. */
static void test_same_name_new_inode(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	reopen(f, &x);
	put_lease(f, &x, "10.0.0.2", "c1\r\neth0");
	close_index(f, &x);
	struct stat before;
	assert_int_equal(fstat(f->dirfd, &before), 0);
	/* the reference: DEL c1, ADD c2 on the same address; keep the old
	 * file alive under another name so its inode number is not reused */
	assert_int_equal(renameat(f->dirfd, "10.0.0.2", f->dirfd, "keep"), 0);
	put_file(f, "10.0.0.2", "c2\r\neth0");
	assert_int_equal(renameat(f->dirfd, "keep", f->dirfd, "..keep"), 0);
	assert_false(reopen(f, &x));
	assert_string_equal(owner_of(&x, "10.0.0.2"), "c2\r\neth0");
	hl_index_free(&x);
}

/* The header of the index file, with its clock word (index.c) replaced by
 * word ("" for none, as an older version wrote it). */
static void header_with_clock(const char *cur, const char *word, char out[128])
{
	memcpy(out, cur, 128);
	char *w = memmem(out, 127, " fine=", 6);
	if (!w)
		w = memmem(out, 127, " coarse=", 8);
	assert_non_null(w); /* every flush probes the directory's clock */
	int n = snprintf(w, (size_t)(out + 127 - w), "%s%s", *word ? " " : "", word);
	memset(w + n, ' ', (size_t)(out + 127 - w - n));
	out[127] = '\n';
}

static void this_boot(char id[HL_BOOT_ID_MAX])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	assert_non_null(f);
	assert_non_null(fgets(id, HL_BOOT_ID_MAX, f));
	id[strcspn(id, "\n")] = '\0';
	fclose(f);
}

/* A lease that appeared without the stamp noticing (as on a coarse clock
 * within one tick) is still caught by the readdir, unless the header says
 * that this boot's probe found the directory's timestamps fine-grained:
 * splice the current stamp onto the records from before the create. */
static void test_unnoticed_create(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	char old[4096], cur[128], id[HL_BOOT_ID_MAX], word[128];
	this_boot(id);
	reopen(f, &x);
	put_lease(f, &x, "10.0.0.2", "c1\r\neth0");
	close_index(f, &x);
	int fd = openat(f->dirfd, HL_INDEX_NAME, O_RDONLY | O_CLOEXEC);
	ssize_t old_len = read(fd, old, sizeof(old));
	close(fd);
	put_file(f, "10.0.0.3", "c3\r\neth0");
	assert_false(reopen(f, &x));
	close_index(f, &x); /* a fresh file stamped with the directory now */
	/* coarse in this boot; fine in another boot; an older version's header
	 * without the word; fine in this boot */
	const char *fmt[] = {"coarse=%s", "fine=0000-%s", "%.0s", "fine=%s"};
	for (size_t i = 0; i < 4; i++) {
		fd = openat(f->dirfd, HL_INDEX_NAME, O_RDWR | O_CLOEXEC);
		assert_int_equal(read(fd, cur, 128), 128);
		snprintf(word, sizeof(word), fmt[i], id);
		header_with_clock(cur, word, old);
		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(pwrite(fd, old, (size_t)old_len, 0), old_len);
		close(fd);
		if (i < 3) { /* not proven fine in this boot: the readdir runs */
			assert_false(reopen(f, &x));
			assert_string_equal(owner_of(&x, "10.0.0.3"), "c3\r\neth0");
		} else { /* the stamp alone decides, by design */
			assert_true(reopen(f, &x));
			assert_null(owner_of(&x, "10.0.0.3"));
		}
		close_index(f, &x);
	}
}

/* Every flush records the probe (dirclock.h): fine-grained directory
 * timestamps on ext4 (xfs, btrfs) from Linux 6.13 on, coarse before and on
 * tmpfs always; the probe leaves no file behind and is not repeated while the
 * header names this boot. */
static void test_clock_probe(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	struct utsname u;
	char id[HL_BOOT_ID_MAX], cur[129] = {0}, want[128];
	unsigned major = 0, minor = 0;
	this_boot(id);
	assert_int_equal(uname(&u), 0);
	assert_int_equal(sscanf(u.release, "%u.%u", &major, &minor), 2);
	struct statfs sf;
	assert_int_equal(fstatfs(f->dirfd, &sf), 0);
	bool multigrain_fs = sf.f_type == EXT4_SUPER_MAGIC || sf.f_type == XFS_SUPER_MAGIC ||
			     sf.f_type == BTRFS_SUPER_MAGIC;
	bool fine = multigrain_fs && (major > 6 || (major == 6 && minor >= 13));
	reopen(f, &x);
	put_lease(f, &x, "10.0.0.2", "c1\r\neth0");
	close_index(f, &x);
	int fd = openat(f->dirfd, HL_INDEX_NAME, O_RDONLY | O_CLOEXEC);
	assert_int_equal(read(fd, cur, 128), 128);
	close(fd);
	snprintf(want, sizeof(want), " %s=%s ", fine ? "fine" : "coarse", id);
	assert_non_null(strstr(cur, want));
	assert_true(reopen(f, &x));
	assert_int_equal(x.clock, fine ? HL_CLOCK_FINE : HL_CLOCK_COARSE);
	put_lease(f, &x, "10.0.0.4", "c4\r\neth0");
	close_index(f, &x);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -a %s | grep tmp-)\"", f->dir);
	assert_int_equal(system(cmd), 0);
	assert_true(reopen(f, &x));
	assert_string_equal(owner_of(&x, "10.0.0.4"), "c4\r\neth0");
	hl_index_free(&x);
}

static void test_trim(void **state)
{
	(void)state;
	char a[] = " \t c1\r\neth0 \r\n";
	assert_string_equal(hl_trim(a), "c1\r\neth0");
	char b[] = "   ";
	assert_string_equal(hl_trim(b), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rescan_then_trust, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_change_forces_rescan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_and_escapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_tail_and_garbage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_file_versions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rescan_cleans_temp_and_skips_links, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_name_new_inode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unnoticed_create, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clock_probe, setup, teardown),
	    cmocka_unit_test(test_trim),
	};
	int failed = cmocka_run_group_tests_name("hl_index on /tmp", tests, NULL, NULL);
	base = "/dev/shm";
	return failed + cmocka_run_group_tests_name("hl_index on /dev/shm", tests, NULL, NULL);
}
