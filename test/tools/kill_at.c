/* kill_at: one round of "the runtime killed the plugin during ADD (or
 * DEL), then called DEL", for t_chaos_kill.sh.
 *
 * usage: kill_at MAX_US PLUGIN CONF OUTDIR [add|del]
 * The CNI_* variables but CNI_COMMAND come from our environment.
 * add (default): runs PLUGIN with CNI_COMMAND=ADD and CONF on stdin, sends
 * it SIGKILL after a uniformly random delay in [1, MAX_US] microseconds
 * (MAX_US 0: never, the ADD runs to its end), then runs the DEL to its end
 * at once, as a runtime would.
 * del: runs the ADD to its end, kills the DEL the same way, then runs the
 * DEL again to its end (the runtime retries a failed DEL).
 * The output of each goes to OUTDIR/{add,del}.{out,err} (the last DEL's).
 *
 * A killed plugin may leave children running (an exec'd IPAM plugin, an
 * iptables-restore): they would go on changing the host after the DEL. We
 * are a child subreaper, so such orphans become ours, and we wait for every
 * one of them before printing, so the caller inspects a settled host.
 *
 * Prints one line (VERB is the one killed: add or del; NAMES: the orphans'
 * comm values, comma separated, "-" for none):
 *   VERB killed|exit:<rc> delay_us <d> VERB_us <t> del exit:<rc> orphan_names NAMES orphans <n>
 * and exits 0 (2 on a usage or system error). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static int open_out(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/* Forks PLUGIN with CNI_COMMAND=verb, stdin CONF, stdout/stderr to
 * OUTDIR/<tag>.{out,err}. */
static pid_t start(const char *plugin, const char *conf, const char *verb, const char *dir,
		   const char *tag)
{
	char out[32], err[32];
	pid_t pid;

	snprintf(out, sizeof(out), "%s.out", tag);
	snprintf(err, sizeof(err), "%s.err", tag);
	pid = fork();
	if (pid != 0)
		return pid;
	int in = open(conf, O_RDONLY | O_CLOEXEC), o = open_out(dir, out), e = open_out(dir, err);
	if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
		_exit(126);
	setenv("CNI_COMMAND", verb, 1);
	execl(plugin, plugin, (char *)NULL);
	_exit(127);
}

static void describe(int st, char *buf, size_t len)
{
	if (WIFSIGNALED(st))
		snprintf(buf, len, "%s", WTERMSIG(st) == SIGKILL ? "killed" : "signal");
	else
		snprintf(buf, len, "exit:%d", WEXITSTATUS(st));
}

static long random_delay(long max_us)
{
	unsigned long r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (unsigned long)now_us();
	return 1 + (long)(r % (unsigned long)max_us);
}

/* Reaps every remaining child (orphans of the killed plugin included);
 * their names (comm, read while they are zombies) go into names, comma
 * separated. */
static int reap_all(char *names, size_t len)
{
	size_t used = 0;
	int n = 0, st;

	snprintf(names, len, "-");
	for (;;) {
		siginfo_t si = {0};
		char path[64], comm[32] = "?";

		if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return n;
		}
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)si.si_pid);
		FILE *f = fopen(path, "re");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		if (used + strlen(comm) + 2 < len)
			used += snprintf(names + used, len - used, "%s%s", n ? "," : "", comm);
		waitpid(si.si_pid, &st, 0);
		n++;
	}
}

/* Runs verb to its end; returns its wait status. */
static int run(const char *plugin, const char *conf, const char *verb, const char *dir,
	       const char *tag)
{
	int st = 0;
	pid_t pid = start(plugin, conf, verb, dir, tag);

	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		exit(2);
	return st;
}

int main(int argc, char **argv)
{
	char cut_st[16], del_st[16], names[256];
	long max_us, delay = 0, t0, cut_us;
	bool cut_del;
	pid_t pid;
	int st, n;

	if (argc < 5 || argc > 6 ||
	    (argc == 6 && strcmp(argv[5], "add") && strcmp(argv[5], "del"))) {
		fprintf(stderr, "usage: kill_at MAX_US PLUGIN CONF OUTDIR [add|del]\n");
		return 2;
	}
	max_us = atol(argv[1]);
	cut_del = argc == 6 && strcmp(argv[5], "del") == 0;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("kill_at: PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	if (cut_del)
		run(argv[2], argv[3], "ADD", argv[4], "add");
	t0 = now_us();
	pid = start(argv[2], argv[3], cut_del ? "DEL" : "ADD", argv[4], cut_del ? "del" : "add");
	if (pid < 0)
		return 2;
	if (max_us > 0) {
		delay = random_delay(max_us);
		struct timespec ts = {delay / 1000000, (delay % 1000000) * 1000};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		kill(pid, SIGKILL);
	}
	waitpid(pid, &st, 0);
	cut_us = now_us() - t0;
	describe(st, cut_st, sizeof(cut_st));
	describe(run(argv[2], argv[3], "DEL", argv[4], "del"), del_st, sizeof(del_st));
	n = reap_all(names, sizeof(names));
	printf("%s %s delay_us %ld %s_us %ld del %s orphan_names %s orphans %d\n",
	       cut_del ? "del" : "add", cut_st, delay, cut_del ? "del" : "add", cut_us, del_st,
	       names, n);
	return 0;
}
