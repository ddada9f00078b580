/* bench_exec: runs a program (a CNI plugin, the floor program, ...) once per
 * index and measures each run precisely, for test/bench/run.sh.
 *
 * usage: bench_exec [-s START] [-k COUNT] [-f STDIN_FILE] [-e KEY=VAL]... [-O OUTDIR]
 *                   [-P] [-D NETNS_PATH [-W]] [-R] -- PROGRAM ARG...
 *
 * Every "%d" in ARGs and in -e values is replaced by the index, every "%i" by
 * its two low octets ("1.44" for 300, for addresses). Runs indices
 * START..START+COUNT-1 one after the other, or with -P all at once (each child
 * forked first and held at a gate, then released together: the burst).
 *
 * Prints one line per run:  run IDX RC WALL_US USER_US SYS_US MAXRSS_KB VCSW
 * CPU and peak RSS come from wait4(), which reports the child together with
 * the children it waited for (the kernel fills it as RUSAGE_BOTH): CPU is the
 * sum, MAXRSS the largest single process of the tree (the plugin or its IPAM
 * child, whichever is bigger). VCSW counts the times the tree blocked (waited
 * for a thread, a child, a lock, the kernel): on a busy machine each one can
 * cost a scheduling delay, which is where wall time beyond CPU time goes.
 * With -P, also:              burst COUNT FAILED WALL_US
 * With -D, watches IPv6 address events in NETNS_PATH during each run and adds
 *                             dad IDX TENTATIVE_US DONE_US PENDING
 * (from the spawn: the first address seen tentative, the moment the last
 * tentative one became valid, -1 when not seen; PENDING addresses were still
 * tentative when the child exited). -W keeps watching up to 5 s after the
 * child exits until no address is tentative.
 * With -R (ptrace; slower, so not for timing), every process of the tree:
 *                             rss IDX NAME VMHWM_KB
 * -O OUTDIR keeps each run's stdout and stderr in OUTDIR/IDX.out and IDX.err
 * (default: /dev/null).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENV 64
#define MAX_ARGS 64
#define MAX_BURST 4096

struct opts {
	int start, count, burst, dad_wait, trace_rss;
	const char *stdin_file, *outdir, *dad_netns;
	const char *env[MAX_ENV];
	int n_env;
	char **argv;
	int argc;
};

struct run {
	pid_t pid;
	int rc;
	long long t0, wall_us;
	struct rusage ru;
	long long tentative_us, done_us;
};

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_exec: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Returns a malloc'd copy of s with every "%d" replaced by idx and every
 * "%i" by the two low octets of idx ("1.44" for 300), for IPv4 addresses. */
static char *subst(const char *s, int idx)
{
	char num[16], oct[16];
	int nlen = snprintf(num, sizeof(num), "%d", idx);
	int olen = snprintf(oct, sizeof(oct), "%d.%d", (idx >> 8) & 255, idx & 255);
	size_t cap = strlen(s) * (size_t)(nlen + olen + 1) + 1, o = 0;
	char *out = malloc(cap);
	if (!out)
		die("malloc");
	for (; *s; s++) {
		if (s[0] == '%' && (s[1] == 'd' || s[1] == 'i')) {
			const char *rep = s[1] == 'd' ? num : oct;
			size_t len = (size_t)(s[1] == 'd' ? nlen : olen);
			memcpy(out + o, rep, len);
			o += len;
			s++;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
	return out;
}

/* In the child: stdin, stdout, environment, then exec. Never returns. */
static void child_exec(const struct opts *o, int idx)
{
	char *argv[MAX_ARGS + 1];
	int fd, i;

	fd = open(o->stdin_file ? o->stdin_file : "/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(126);
	close(fd);
	if (o->outdir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%d.out", o->outdir, idx);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	} else {
		fd = open("/dev/null", O_WRONLY);
	}
	if (fd < 0 || dup2(fd, 1) < 0)
		_exit(126);
	close(fd);
	if (o->outdir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%d.err", o->outdir, idx);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	} else {
		fd = open("/dev/null", O_WRONLY);
	}
	if (fd < 0 || dup2(fd, 2) < 0)
		_exit(126);
	close(fd);
	close_range(3, ~0U, 0); /* the program under test gets exactly fds 0, 1 and 2 */
	for (i = 0; i < o->n_env; i++)
		putenv(subst(o->env[i], idx));
	for (i = 0; i < o->argc && i < MAX_ARGS; i++)
		argv[i] = subst(o->argv[i], idx);
	argv[i] = NULL;
	execv(argv[0], argv);
	_exit(127);
}

/* fork a child that, given a gate pipe, waits for its write end to close
 * (EOF), then execs. */
static pid_t spawn(const struct opts *o, int idx, const int *gate)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (gate) {
			char c;
			close(gate[1]); /* else our own copy would hold the gate shut */
			while (read(gate[0], &c, 1) < 0 && errno == EINTR)
				;
			close(gate[0]);
		}
		if (o->trace_rss && (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0 || raise(SIGSTOP) != 0))
			_exit(125);
		child_exec(o, idx);
	}
	return pid;
}

static void reap(struct run *r)
{
	int status;
	while (wait4(r->pid, &status, 0, &r->ru) < 0)
		if (errno != EINTR)
			die("wait4");
	r->wall_us = now_us() - r->t0;
	r->rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void print_run(int idx, const struct run *r)
{
	long long user = r->ru.ru_utime.tv_sec * 1000000LL + r->ru.ru_utime.tv_usec;
	long long sys = r->ru.ru_stime.tv_sec * 1000000LL + r->ru.ru_stime.tv_usec;
	printf("run %d %d %lld %lld %lld %ld %ld\n", idx, r->rc, r->wall_us, user, sys,
	       r->ru.ru_maxrss, r->ru.ru_nvcsw);
}

/* ---- DAD watching: a netlink socket bound inside the container netns ---- */

struct nl_open_arg {
	const char *netns;
	int fd, err;
};

/* Runs on its own thread so the main thread never leaves the host netns. */
static void *nl_open_in_netns(void *p)
{
	struct nl_open_arg *a = p;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV6_IFADDR};
	int nsfd = open(a->netns, O_RDONLY | O_CLOEXEC);

	a->fd = -1;
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		a->err = errno;
		return NULL;
	}
	close(nsfd);
	a->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (a->fd < 0 || bind(a->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		a->err = errno;
	return NULL; /* the thread exits here: its netns dies with it */
}

static int dad_socket(const char *netns)
{
	struct nl_open_arg a = {.netns = netns};
	pthread_t t;
	if (pthread_create(&t, NULL, nl_open_in_netns, &a) != 0)
		die("pthread_create");
	pthread_join(t, NULL);
	if (a.fd < 0 || a.err) {
		errno = a.err;
		die(netns);
	}
	return a.fd;
}

/* The IPv6 addresses seen tentative during a run, to tell when the last of
 * them has finished duplicate address detection. */
#define MAX_ADDRS 32
struct dad_addr {
	int ifindex;
	unsigned char addr[16];
	int pending;
};
static struct dad_addr addrs[MAX_ADDRS];
static int n_addrs, n_pending;

static struct dad_addr *dad_lookup(int ifindex, const void *addr, int *is_new)
{
	*is_new = 0;
	for (int i = 0; i < n_addrs; i++)
		if (addrs[i].ifindex == ifindex && !memcmp(addrs[i].addr, addr, 16))
			return &addrs[i];
	if (n_addrs == MAX_ADDRS)
		return NULL;
	*is_new = 1;
	addrs[n_addrs].ifindex = ifindex;
	memcpy(addrs[n_addrs].addr, addr, 16);
	addrs[n_addrs].pending = 0;
	return &addrs[n_addrs++];
}

/* One RTM_NEWADDR: an address turning tentative starts (or extends) the DAD
 * window; the last tentative address turning valid ends it. The kernel does
 * not announce a link-local address while it is tentative, only once its DAD
 * is over: an address first seen valid inside the window also ends it. */
static void dad_event(struct nlmsghdr *h, struct run *r, long long t)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	unsigned flags = ifa->ifa_flags;
	const void *addr = NULL;
	struct rtattr *rta = IFA_RTA(ifa);
	int len = IFA_PAYLOAD(h);

	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET6)
		return;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_FLAGS)
			flags = *(unsigned *)RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS && RTA_PAYLOAD(rta) == 16)
			addr = RTA_DATA(rta);
	}
	int is_new;
	struct dad_addr *a = addr ? dad_lookup(ifa->ifa_index, addr, &is_new) : NULL;
	if (!a)
		return;
	if ((flags & IFA_F_TENTATIVE) && !(flags & IFA_F_DADFAILED)) {
		if (!a->pending)
			n_pending++;
		a->pending = 1;
		if (r->tentative_us < 0)
			r->tentative_us = t;
	} else if (a->pending) {
		a->pending = 0;
		if (--n_pending == 0)
			r->done_us = t;
	} else if (is_new && r->tentative_us >= 0 && n_pending == 0) {
		r->done_us = t;
	}
}

static void dad_drain(int fd, struct run *r)
{
	char buf[16384];
	ssize_t n;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		long long t = now_us() - r->t0;
		int len = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len))
			dad_event(h, r, t);
	}
}

/* Waits for the child while reading address events from nl_fd. */
static void reap_watching(struct run *r, int nl_fd, int wait_dad)
{
	int pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (pidfd < 0)
		die("pidfd_open");
	for (;;) {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = nl_fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			die("poll");
		dad_drain(nl_fd, r);
		if (p[0].revents)
			break;
	}
	close(pidfd);
	reap(r);
	long long deadline = now_us() + 5000000;
	while (wait_dad && n_pending > 0 && now_us() < deadline) {
		struct pollfd p = {.fd = nl_fd, .events = POLLIN};
		poll(&p, 1, 100);
		dad_drain(nl_fd, r);
	}
}

/* ---- per-process peak RSS (-R): ptrace the whole tree, read VmHWM at exit ----
 * wait4() can only give the largest process of the tree; to tell the plugin
 * from its IPAM child (and from iptables, nft ...), every thread's exit is
 * stopped (PTRACE_O_TRACEEXIT, while its mm still exists) and the process's
 * high-water mark read from /proc. Slows the run: used only for RSS rows. */
#define MAX_PROCS 64
struct proc_rss {
	int tgid;
	long hwm_kb;
	char name[32];
};
static struct proc_rss procs[MAX_PROCS];
static int n_procs;

static void note_rss(pid_t tid)
{
	char path[64], line[256], name[32] = "?";
	long hwm = -1;
	int tgid = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Name: %31s", name);
		sscanf(line, "Tgid: %d", &tgid);
		sscanf(line, "VmHWM: %ld", &hwm);
	}
	fclose(f);
	if (tgid < 0 || hwm < 0)
		return;
	int i;
	for (i = 0; i < n_procs && procs[i].tgid != tgid; i++)
		;
	if (i == n_procs) {
		if (n_procs == MAX_PROCS)
			return;
		n_procs++;
		procs[i].tgid = tgid;
		procs[i].hwm_kb = 0;
	}
	if (hwm >= procs[i].hwm_kb) {
		procs[i].hwm_kb = hwm;
		snprintf(procs[i].name, sizeof(procs[i].name), "%s", name);
	}
}

/* Runs the traced child (stopped at its SIGSTOP before exec) to completion. */
static void reap_tracing(struct run *r)
{
	int status;
	n_procs = 0;
	if (waitpid(r->pid, &status, 0) < 0 || !WIFSTOPPED(status))
		die("waitpid (trace start)");
	ptrace(PTRACE_SETOPTIONS, r->pid, 0,
	       PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
		   PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL);
	ptrace(PTRACE_CONT, r->pid, 0, 0);
	for (;;) {
		struct rusage ru;
		pid_t w = wait4(-1, &status, __WALL, &ru);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("wait4 (trace)");
		}
		if (!WIFSTOPPED(status)) {
			if (w != r->pid)
				continue;
			r->ru = ru;
			r->wall_us = now_us() - r->t0;
			r->rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			return;
		}
		int sig = WSTOPSIG(status), event = status >> 16;
		if (event == PTRACE_EVENT_EXIT)
			note_rss(w);
		/* events and the first stop of a new tracee are ours; pass real signals on */
		if (event || sig == SIGSTOP || sig == SIGTRAP)
			sig = 0;
		ptrace(PTRACE_CONT, w, 0, sig);
	}
}

static int run_serial(const struct opts *o)
{
	int failed = 0;
	for (int i = o->start; i < o->start + o->count; i++) {
		struct run r = {.tentative_us = -1, .done_us = -1};
		int nl_fd = o->dad_netns ? dad_socket(o->dad_netns) : -1;
		n_addrs = n_pending = 0;
		r.t0 = now_us();
		r.pid = spawn(o, i, NULL);
		if (nl_fd >= 0)
			reap_watching(&r, nl_fd, o->dad_wait);
		else if (o->trace_rss)
			reap_tracing(&r);
		else
			reap(&r);
		print_run(i, &r);
		for (int p = 0; o->trace_rss && p < n_procs; p++)
			printf("rss %d %s %ld\n", i, procs[p].name, procs[p].hwm_kb);
		if (nl_fd >= 0) {
			printf("dad %d %lld %lld %d\n", i, r.tentative_us, r.done_us, n_pending);
			close(nl_fd);
		}
		failed += r.rc != 0;
		fflush(stdout);
	}
	return failed;
}

/* All children forked first and blocked on a pipe; closing the write end
 * releases them together, so fork cost is outside the measured window. */
static int run_burst(const struct opts *o)
{
	static struct run runs[MAX_BURST];
	int gate[2], failed = 0, n = o->count;
	long long t0;

	if (n > MAX_BURST)
		n = MAX_BURST;
	if (pipe2(gate, O_CLOEXEC) < 0)
		die("pipe2");
	for (int i = 0; i < n; i++) {
		runs[i].pid = spawn(o, o->start + i, gate);
	}
	close(gate[0]);
	t0 = now_us();
	close(gate[1]);
	for (int i = 0; i < n; i++) {
		runs[i].t0 = t0;
		reap(&runs[i]);
	}
	long long wall = now_us() - t0;
	for (int i = 0; i < n; i++) {
		print_run(o->start + i, &runs[i]);
		failed += runs[i].rc != 0;
	}
	printf("burst %d %d %lld\n", n, failed, wall);
	return failed;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_exec [-s START] [-k COUNT] [-f STDIN] [-e K=V]... [-O DIR] "
			"[-P] [-D NETNS [-W]] [-R] -- PROGRAM ARG...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {.start = 0, .count = 1};
	int c;

	while ((c = getopt(argc, argv, "s:k:f:e:O:PD:WR")) != -1) {
		switch (c) {
		case 's':
			o.start = atoi(optarg);
			break;
		case 'k':
			o.count = atoi(optarg);
			break;
		case 'f':
			o.stdin_file = optarg;
			break;
		case 'e':
			if (o.n_env == MAX_ENV)
				usage();
			o.env[o.n_env++] = optarg;
			break;
		case 'O':
			o.outdir = optarg;
			break;
		case 'P':
			o.burst = 1;
			break;
		case 'D':
			o.dad_netns = optarg;
			break;
		case 'W':
			o.dad_wait = 1;
			break;
		case 'R':
			o.trace_rss = 1;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || o.count < 1 || (o.burst && (o.dad_netns || o.trace_rss)) ||
	    (o.dad_netns && o.trace_rss))
		usage();
	o.argv = argv + optind;
	o.argc = argc - optind;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return (o.burst ? run_burst(&o) : run_serial(&o)) ? 1 : 0;
}
