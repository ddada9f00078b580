/* Tests of lib/netns in real namespaces; prints TAP. Run by
 * test/integration/t_netns.sh inside the sandbox.
 * usage: netns_selftest NETNS_PATH TMPFS_FILE
 * NETNS_PATH must hold a link named "cnitest0" (the host must not). */
#include "lib/ipam/ipam.h"
#include "lib/netns/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int tap_n, tap_failed;

static void ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - (strcmp(path, "/proc/self/fd") == 0); /* the DIR's own fd */
}

/* What the probe saw from inside the worker. */
struct probe {
	char main_ns_path[64]; /* /proc/self/task/<main tid>/ns/net */
	const char *target;
	ino_t worker_ino, main_ino_during;
	int is_current_inside;
	int all_signals_blocked;
	int calls;
};

static int probe_fn(void *arg, struct cni_err *err)
{
	struct probe *p = arg;
	sigset_t mask;

	(void)err;
	p->calls++;
	p->worker_ino = ino_of("/proc/thread-self/ns/net");
	p->main_ino_during = ino_of(p->main_ns_path);
	p->is_current_inside = netns_is_current(p->target);
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	p->all_signals_blocked = sigismember(&mask, SIGTERM) && sigismember(&mask, SIGCHLD) &&
				 sigismember(&mask, SIGINT);
	return 42;
}

static int failing_fn(void *arg, struct cni_err *err)
{
	(void)arg;
	return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "boom %d", 7);
}

static int silent_failing_fn(void *arg, struct cni_err *err)
{
	(void)arg;
	(void)err;
	return -1;
}

static int socket_fn(void *arg, struct cni_err *err)
{
	int *fd = arg;

	*fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return *fd < 0 ? cni_err_errno(err, CNI_ERR_INTERNAL, errno, "socket") : 0;
}

/* IPAM must never be exec'd from a worker: the child would start inside
 * the container netns. */
static int ipam_fn(void *arg, struct cni_err *err)
{
	struct cni_request req = {.stdin_buf = "{}", .stdin_len = 2};

	(void)arg;
	req.env.path = "/bin";
	return ipam_exec_del(&req, "true", err);
}

static int noop_fn(void *arg, struct cni_err *err)
{
	(void)err;
	++*(int *)arg;
	return 0;
}

static int ifindex_on(int sock, const char *name)
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(sock, SIOCGIFINDEX, &ifr) == 0 ? ifr.ifr_ifindex : -errno;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void test_run_isolation(const char *target)
{
	struct cni_err err = {0};
	struct probe p = {.target = target};
	struct netns ns;
	ino_t host = ino_of("/proc/thread-self/ns/net");
	int rc;

	snprintf(p.main_ns_path, sizeof(p.main_ns_path), "/proc/self/task/%d/ns/net", gettid());
	ok(netns_open(target, &ns, &err) == NETNS_OK && ns.fd >= 0, "netns_open(%s)", target);
	ok(ns.path == target, "ns.path is the string given (borrowed)");
	ok(host != 0 && ino_of(target) != host, "target inode differs from the host's");
	ok(!netns_is_current(target), "netns_is_current(target) is false on the host thread");
	ok(netns_is_current("/proc/self/ns/net"), "netns_is_current(own netns) is true");
	rc = netns_run(&ns, probe_fn, &p, &err);
	ok(rc == 42 && !cni_err_isset(&err), "fn's return value comes back (%d)", rc);
	ok(p.calls == 1, "fn ran exactly once");
	ok(p.worker_ino == ino_of(target), "worker sees the target netns inode");
	ok(p.main_ino_during == host, "main thread stays in the host netns while fn runs");
	ok(p.is_current_inside, "netns_is_current(target) is true inside fn");
	ok(p.all_signals_blocked, "signals are blocked on the worker");
	ok(ino_of("/proc/thread-self/ns/net") == host, "main thread is in the host netns after");
	netns_close(&ns);
	ok(ns.fd == -1, "netns_close sets fd to -1");
	netns_close(&ns); /* must be harmless */
}

static void test_errors_come_back(const char *target)
{
	struct cni_err err = {0};
	struct netns ns;
	int rc;

	netns_open(target, &ns, &err);
	rc = netns_run(&ns, failing_fn, NULL, &err);
	ok(rc == -1 && err.code == CNI_ERR_INVALID_CONFIG && strcmp(err.msg, "boom 7") == 0,
	   "fn's error comes back unchanged (rc %d, code %u, msg '%s')", rc, err.code, err.msg);
	cni_err_clear(&err);
	rc = netns_run(&ns, silent_failing_fn, NULL, &err);
	ok(rc == -1 && err.code == CNI_ERR_INTERNAL && strstr(err.msg, target),
	   "a failure without a message gets one naming the netns ('%s')", err.msg);
	cni_err_clear(&err);
	rc = netns_run(&ns, ipam_fn, NULL, &err);
	ok(rc == -1 && strstr(err.msg, "outside the host netns"),
	   "IPAM exec is refused on a worker thread ('%s')", err.msg);
	netns_close(&ns);
}

static void test_open_errors(const char *tmpfs_file)
{
	struct cni_err err = {0};
	char want[512];
	struct netns ns;
	enum netns_open_status st;

	st = netns_open("/run/netns/no-such-ns", &ns, &err);
	ok(st == NETNS_ERR_MISSING && ns.fd == -1, "missing path -> NETNS_ERR_MISSING");
	ok(err.code == CNI_ERR_INTERNAL && strstr(err.msg, "\"/run/netns/no-such-ns\"") &&
	       strstr(err.msg, "No such file"),
	   "missing: message names the path and errno ('%s')", err.msg);
	cni_err_clear(&err);
	st = netns_open(tmpfs_file, &ns, &err);
	snprintf(want, sizeof(want), "unknown FS magic on \"%s\": 1021994", tmpfs_file);
	ok(st == NETNS_ERR_NOT_NS && ns.fd == -1, "tmpfs file -> NETNS_ERR_NOT_NS");
	ok(strcmp(err.msg, want) == 0, "not a namespace: message '%s'", err.msg);
	cni_err_clear(&err);
	st = netns_open("/proc/self/ns/mnt", &ns, &err);
	ok(st == NETNS_ERR_OTHER && ns.fd == -1 && strstr(err.msg, "not a network namespace"),
	   "a mount namespace -> NETNS_ERR_OTHER ('%s')", err.msg);
	cni_err_clear(&err);
	st = netns_open("", &ns, &err);
	ok(st == NETNS_ERR_OTHER && err.code == CNI_ERR_INTERNAL, "empty path -> error");
	cni_err_clear(&err);
	st = netns_open("/proc/self/ns/net", &ns, &err);
	ok(st == NETNS_OK, "a /proc/<pid>/ns/net path opens");
	netns_close(&ns);
}

static void test_enter_failure(void)
{
	struct cni_err err = {0};
	struct netns bad = {.fd = open("/dev/null", O_RDONLY | O_CLOEXEC), .path = "/dev/null"};
	struct netns closed = {.fd = -1, .path = "x"};
	int calls = 0;
	int rc;

	rc = netns_run(&bad, noop_fn, &calls, &err);
	ok(rc == -1 && calls == 0, "setns failure: fn not run, -1 returned");
	ok(err.code == CNI_ERR_INTERNAL && strstr(err.msg, "failed to enter netns \"/dev/null\"") &&
	       strstr(err.msg, "Invalid argument"),
	   "setns failure: message names the path and errno ('%s')", err.msg);
	close(bad.fd);
	cni_err_clear(&err);
	ok(netns_run(&closed, noop_fn, &calls, &err) == -1 && calls == 0 && cni_err_isset(&err),
	   "a closed netns is refused");
}

static void test_socket_stays(const char *target)
{
	struct cni_err err = {0};
	struct netns ns;
	int inner = -1, host;

	netns_open(target, &ns, &err);
	ok(netns_run(&ns, socket_fn, &inner, &err) == 0 && inner >= 0,
	   "socket created in the worker");
	host = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ok(ifindex_on(inner, "cnitest0") > 0,
	   "from the main thread, the worker's socket still sees the netns's link");
	ok(ifindex_on(host, "cnitest0") == -ENODEV, "a host socket does not see it");
	close(inner);
	close(host);
	netns_close(&ns);
}

static void test_no_leaks(const char *target)
{
	enum { RUNS = 1000 };
	struct cni_err err = {0};
	struct netns ns;
	int fds, tasks, calls = 0, failures = 0;
	double t0, us;

	netns_open(target, &ns, &err);
	fds = count_dir("/proc/self/fd");
	tasks = count_dir("/proc/self/task");
	t0 = now_us();
	for (int i = 0; i < RUNS; i++)
		failures += netns_run(&ns, noop_fn, &calls, &err) != 0;
	us = (now_us() - t0) / RUNS;
	ok(calls == RUNS && failures == 0, "%d runs in a row succeed", RUNS);
	ok(count_dir("/proc/self/fd") == fds, "no fd leaked over %d runs (%d open)", RUNS, fds);
	ok(count_dir("/proc/self/task") == tasks && tasks == 1,
	   "no thread left over %d runs (%d tasks)", RUNS, tasks);
	ok(ino_of("/proc/thread-self/ns/net") != ino_of(target), "main thread still on the host");
	printf("# netns_run: %.1f us per call (mean of %d)\n", us, RUNS);
	netns_close(&ns);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s NETNS_PATH TMPFS_FILE\n", argv[0]);
		return 2;
	}
	test_run_isolation(argv[1]);
	test_errors_come_back(argv[1]);
	test_open_errors(argv[2]);
	test_enter_failure();
	test_socket_stays(argv[1]);
	test_no_leaks(argv[1]);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
