/* lib/nl notification sockets (watch.c) against the real kernel, inside a
 * private network namespace (needs root). The bridge's enabledad wait
 * relies on exactly these properties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include "lib/nl/nl.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static struct cni_ipnet net(const char *s)
{
	struct cni_ipnet n;

	assert_int_equal(cni_ipnet_parse(s, &n), 0);
	return n;
}

static void watch(struct nl *w, unsigned group)
{
	struct cni_err err = {0};

	if (nl_watch_open(w, group, &err) < 0)
		fail_msg("nl_watch_open: %s", err.msg);
}

static void test_cloexec_and_timeout(void **state)
{
	(void)state;
	struct nl w;
	struct cni_err err = {0};
	long long t0;

	watch(&w, RTNLGRP_IPV6_IFADDR);
	assert_true(fcntl(mnl_socket_get_fd(w.mnl), F_GETFD) & FD_CLOEXEC);
	t0 = now_ms();
	assert_int_equal(nl_watch_wait(&w, 50, &err), 0); /* nothing changed */
	assert_true(now_ms() - t0 >= 49);
	nl_close(&w);
}

/* A change made after subscribing but before waiting still wakes the
 * waiter (the bridge subscribes, then dumps, then waits); a wake-up
 * consumes what is queued, so once the kernel is done announcing (a new
 * address gets a second RTM_NEWADDR from the DAD work, even on lo) the
 * waits time out until the next change. */
static void test_change_before_wait_wakes(void **state)
{
	(void)state;
	struct nl w, nl;
	struct cni_err err = {0};
	struct cni_ipnet a = net("fd42::1/128");

	watch(&w, RTNLGRP_IPV6_IFADDR);
	assert_int_equal(nl_open(&nl, &err), 0);
	assert_int_equal(nl_addr_add(&nl, 1, &a, "lo", &err), 0);
	assert_int_equal(nl_watch_wait(&w, 1000, &err), 1);
	int wakes = 1;
	while (wakes < 10 && nl_watch_wait(&w, 100, &err) == 1)
		wakes++;
	assert_in_range(wakes, 1, 3);
	assert_int_equal(nl_watch_wait(&w, 20, &err), 0);
	assert_int_equal(nl_addr_del(&nl, 1, &a, "lo", &err), 0);
	assert_int_equal(nl_watch_wait(&w, 1000, &err), 1);
	nl_close(&nl);
	nl_close(&w);
}

/* Only the subscribed group: an IPv6 watcher sleeps through IPv4 changes. */
static void test_other_group_ignored(void **state)
{
	(void)state;
	struct nl w, nl;
	struct cni_err err = {0};
	struct cni_ipnet a = net("10.42.0.1/32");

	watch(&w, RTNLGRP_IPV6_IFADDR);
	assert_int_equal(nl_open(&nl, &err), 0);
	assert_int_equal(nl_addr_add(&nl, 1, &a, "lo", &err), 0);
	assert_int_equal(nl_watch_wait(&w, 50, &err), 0);
	assert_int_equal(nl_addr_del(&nl, 1, &a, "lo", &err), 0);
	nl_close(&nl);
	nl_close(&w);
}

static bool is_up(const struct nl_link *l, void *arg)
{
	(void)arg;
	return l->flags & IFF_UP;
}

/* A child sets link name up after ms milliseconds (same netns). */
static pid_t child;
static void up_later(const char *name, int ms)
{
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct nl nl;
		struct nl_link l;
		struct cni_err e = {0};
		usleep((useconds_t)ms * 1000);
		_exit(nl_open(&nl, &e) < 0 || nl_link_get(&nl, name, 0, &l, &e) != 0 ||
		      nl_link_set_up(&nl, l.ifindex, name, &e) < 0);
	}
}

static int reap(void)
{
	int st;
	return waitpid(child, &st, 0) == child && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* nl_watch_link finds the announcement that satisfies its predicate, for
 * the named link only, queued or arriving within the wait. */
static void test_watch_link(void **state)
{
	(void)state;
	struct nl w, nl;
	struct cni_err err = {0};
	struct nl_link got = {.ifindex = 0}, now;

	watch(&w, RTNLGRP_LINK);
	assert_int_equal(nl_open(&nl, &err), 0);
	assert_int_equal(nl_bridge_create(&nl, "wl0", 0, NULL, false, &err), 0);
	assert_int_equal(nl_bridge_create(&nl, "wl1", 0, NULL, false, &err), 0);
	assert_int_equal(nl_link_get(&nl, "wl0", 0, &now, &err), 0);
	/* both announced, neither up */
	assert_int_equal(nl_watch_link(&w, "wl0", 50, is_up, NULL, &got, &err), 0);
	/* news of another link during the wait does not end it */
	up_later("wl1", 20);
	long long t0 = now_ms();
	assert_int_equal(nl_watch_link(&w, "wl0", 150, is_up, NULL, &got, &err), 0);
	assert_true(now_ms() - t0 >= 149);
	assert_int_equal(reap(), 0);
	/* the awaited news, during the wait */
	up_later("wl0", 20);
	assert_int_equal(nl_watch_link(&w, "wl0", 5000, is_up, NULL, &got, &err), 1);
	assert_int_equal(reap(), 0);
	assert_int_equal(got.ifindex, now.ifindex);
	assert_string_equal(got.name, "wl0");
	assert_string_equal(got.kind, "bridge");
	/* more than the socket can hold: dropped, and said so */
	int small = 1;
	assert_int_equal(
	    setsockopt(mnl_socket_get_fd(w.mnl), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof(name), "wx%d", i);
		assert_int_equal(nl_bridge_create(&nl, name, 0, NULL, false, &err), 0);
	}
	assert_int_equal(nl_watch_link(&w, "wl0", 50, is_up, NULL, &got, &err), 2);
	nl_close(&nl);
	nl_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cloexec_and_timeout),
	    cmocka_unit_test(test_change_before_wait_wakes),
	    cmocka_unit_test(test_other_group_ignored),
	    cmocka_unit_test(test_watch_link),
	};
	struct nl nl;
	struct cni_err err = {0};

	if (unshare(CLONE_NEWNET) < 0 || nl_open(&nl, &err) < 0) {
		printf("not ok 1 - cannot make a private network namespace (run as root): %s\n",
		       strerror(errno));
		return 1;
	}
	if (nl_link_set_up(&nl, 1, "lo", &err) < 0) {
		printf("not ok 1 - cannot set lo up: %s\n", err.msg);
		return 1;
	}
	nl_close(&nl);
	return cmocka_run_group_tests_name("nl_watch", tests, NULL, NULL);
}
