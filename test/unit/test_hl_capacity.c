/* plugin/host-local capacity.c: what STATUS counts as free. Ranges come
 * from hl_range_canonicalize, leases from an index built in memory (the
 * count never reads lease files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/host-local/capacity.h"

/* "subnet[,start,end]" */
static struct hl_range mk(const char *subnet, const char *start, const char *end)
{
	struct hl_range r = {0};
	struct cni_err err = {0};
	assert_int_equal(cni_ipnet_parse(subnet, &r.subnet), 0);
	if (start) {
		assert_int_equal(cni_ip_parse(start, &r.start), 0);
		r.has_start = true;
	}
	if (end) {
		assert_int_equal(cni_ip_parse(end, &r.end), 0);
		r.has_end = true;
	}
	if (hl_range_canonicalize(&r, &err) < 0)
		fail_msg("%s: %s", subnet, err.msg);
	return r;
}

struct fx {
	char dir[64];
	int dirfd;
	struct hl_index x;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct cni_err err = {0};
	snprintf(f->dir, sizeof(f->dir), "/tmp/hl-cap-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = f;
	return f->dirfd < 0 || hl_index_open(&f->x, f->dirfd, &err) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	hl_index_free(&f->x);
	close(f->dirfd);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void lease(struct fx *f, const char *name)
{
	struct cni_err err = {0};
	static uint64_t ino = 100;
	assert_int_equal(hl_index_put(&f->x, name, ino++, "c\r\neth0", &err), 0);
}

static void test_default_range(void **state)
{
	struct fx *f = *state;
	struct hl_range r = mk("10.1.0.0/29", NULL, NULL);
	struct hl_rangeset set = {&r, 1};
	struct hl_capacity c = hl_capacity_of(&set, &f->x);
	assert_int_equal(c.size, 5); /* .1 is the gateway, .7 the broadcast */
	assert_int_equal(c.leased, 0);
	lease(f, "10.1.0.2");
	lease(f, "10.1.0.6");
	lease(f, "10.1.0.1");  /* the gateway: never handed out, not counted */
	lease(f, "10.1.0.99"); /* another range's */
	lease(f, "fd00::2");
	lease(f, "notes.txt");
	c = hl_capacity_of(&set, &f->x);
	assert_int_equal(c.leased, 2);
	assert_int_equal(hl_capacity_free(&c), 3);
	hl_index_del(&f->x, "10.1.0.2");
	c = hl_capacity_of(&set, &f->x);
	assert_int_equal(c.leased, 1);
}

static void test_full_and_multi_range(void **state)
{
	struct fx *f = *state;
	struct hl_range r[2] = {mk("10.2.0.0/30", NULL, NULL),
				mk("10.3.0.0/24", "10.3.0.10", "10.3.0.11")};
	struct hl_rangeset set = {r, 2};
	struct hl_capacity c = hl_capacity_of(&set, &f->x);
	assert_int_equal(c.size, 3); /* 10.2.0.2; 10.3.0.10-11 (gateway .1 outside) */
	lease(f, "10.2.0.2");
	lease(f, "10.3.0.10");
	c = hl_capacity_of(&set, &f->x);
	assert_int_equal(hl_capacity_free(&c), 1);
	lease(f, "10.3.0.11");
	lease(f, "10.3.0.12"); /* outside rangeEnd */
	c = hl_capacity_of(&set, &f->x);
	assert_int_equal(c.leased, 3);
	assert_int_equal(hl_capacity_free(&c), 0);
}

static void test_huge_ipv6_saturates(void **state)
{
	struct fx *f = *state;
	struct hl_range r[2] = {mk("fd00::/8", NULL, NULL), mk("::/0", NULL, NULL)};
	struct hl_rangeset one = {r, 1}, both = {r, 2};
	struct hl_range small = mk("fd01::/120", NULL, NULL);
	struct hl_rangeset s = {&small, 1};
	assert_int_equal(hl_capacity_of(&one, &f->x).size, UINT64_MAX);
	assert_int_equal(hl_capacity_of(&both, &f->x).size, UINT64_MAX);
	assert_int_equal(hl_capacity_of(&s, &f->x).size, 254); /* ::1 gateway .. ::ff */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_default_range, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_and_multi_range, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_huge_ipv6_saturates, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
