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
#include <unistd.h>

#include "plugin/host-local/index.h"

struct fx {
	char dir[64];
	int dirfd;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/hl-index-XXXXXX");
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
	struct cni_err err = {0};
	reopen(f, &x);
	assert_int_equal(hl_index_put(&x, "10.0.0.2", "c1\r\neth0", &err), 0);
	put_file(f, "10.0.0.2", "c1\r\neth0");
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
	struct cni_err err = {0};
	reopen(f, &x);
	close_index(f, &x); /* the file now exists and is trusted */
	reopen(f, &x);
	const char *odd = "a b%c\r\n\t\x7f\xc3\xa9";
	assert_int_equal(hl_index_put(&x, "weird name%", odd, &err), 0);
	assert_int_equal(hl_index_put(&x, "10.0.0.5", "c5\r\neth0", &err), 0);
	assert_int_equal(hl_index_put(&x, "10.0.0.6", "c6\r\neth0", &err), 0);
	hl_index_del(&x, "10.0.0.5");
	put_file(f, "touch", ""); /* our own directory change, as a real ADD makes */
	close_index(f, &x);
	assert_true(reopen(f, &x));
	assert_string_equal(owner_of(&x, "weird name%"), odd);
	assert_null(owner_of(&x, "10.0.0.5"));
	assert_string_equal(owner_of(&x, "10.0.0.6"), "c6\r\neth0");
	close_index(f, &x);
	/* the file never holds a CR, so the reference's DEL cannot match it */
	char buf[4096];
	int fd = openat(f->dirfd, HL_INDEX_NAME, O_RDONLY | O_CLOEXEC);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 128);
	assert_null(memchr(buf, '\r', (size_t)n));
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
	assert_int_equal(write(fd, "+10.0.0.7 c7%0D", 15), 15);
	close(fd);
	assert_false(reopen(f, &x));
	assert_null(owner_of(&x, "10.0.0.7"));
	assert_string_equal(owner_of(&x, "10.0.0.2"), "c1\r\neth0");
	close_index(f, &x);
	/* a bad escape */
	fd = openat(f->dirfd, HL_INDEX_NAME, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_int_equal(write(fd, "+10.0.0.8 c%0\n", 14), 14);
	close(fd);
	assert_false(reopen(f, &x));
	close_index(f, &x);
	/* a header of the right length that is not ours */
	fd = openat(f->dirfd, HL_INDEX_NAME, O_WRONLY | O_CLOEXEC);
	assert_int_equal(pwrite(fd, "xxxxxxxxxxxxxxxxxxx", 19, 0), 19);
	close(fd);
	assert_false(reopen(f, &x));
	assert_string_equal(owner_of(&x, "10.0.0.2"), "c1\r\neth0");
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
	assert_int_equal(faccessat(f->dirfd, ".tmp-10.0.0.4-999999", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_null(owner_of(&x, "10.0.0.9")); /* never read through */
	assert_null(owner_of(&x, "sub"));
	assert_string_equal(owner_of(&x, "target"), "c9\r\neth0");
	close_index(f, &x);
}

static void test_compaction(void **state)
{
	struct fx *f = *state;
	struct hl_index x;
	struct cni_err err = {0};
	char name[32];
	reopen(f, &x);
	close_index(f, &x);
	for (int round = 0; round < 30; round++) {
		assert_true(reopen(f, &x));
		for (int i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "10.1.%d.%d", round, i);
			assert_int_equal(hl_index_put(&x, name, "c\r\neth0", &err), 0);
			hl_index_del(&x, name);
		}
		snprintf(name, sizeof(name), "t%d", round);
		put_file(f, name, ""); /* stands for the directory change of the op */
		hl_index_del(&x, name);
		close_index(f, &x);
	}
	struct stat st;
	assert_int_equal(fstatat(f->dirfd, HL_INDEX_NAME, &st, 0), 0);
	/* 6000+ records were written; compaction keeps the file near its
	 * live content plus the slack (1024 records) */
	assert_true(st.st_size < 128 + 40 * 1100);
	assert_true(reopen(f, &x));
	assert_int_equal(x.live, 0);
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
		cmocka_unit_test_setup_teardown(test_rescan_cleans_temp_and_skips_links, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
		cmocka_unit_test(test_trim),
	};
	return cmocka_run_group_tests_name("hl_index", tests, NULL, NULL);
}
