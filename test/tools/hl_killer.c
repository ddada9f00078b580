/* hl_killer: kill -9 host-local at random instants and check, after every
 * kill, that the lease store holds only complete leases (reference bug #498:
 * an empty or partial lease file blocks its IP for good).
 *
 * usage: hl_killer PLUGIN CONF STORE_DIR ITERATIONS MAX_DELAY_US
 * (ITERATIONS 0 with MAX_DELAY_US -1 only scans the store once)
 * Iteration i runs `PLUGIN` with CNI_COMMAND=ADD (every 4th: DEL of an
 * earlier id), CNI_CONTAINERID=k<i>, CNI_IFNAME=eth0 and CONF on stdin, and
 * sends SIGKILL after a uniformly random delay in [0, MAX_DELAY_US].
 * A lease file (any name but lock, last_reserved_ip.*, .cni-bridge-index and
 * .tmp-*) must hold exactly "k<n>\r\neth0".
 * MAX_DELAY_US 0 = calibrate: time 5 runs that are not killed and use 1.2x
 * their mean, so the kills spread over the whole run.
 * Prints "bad <file> <content>" for each violation and a final line
 *   iterations N killed K finished F bad B
 * Exit status 0 when B == 0. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int lease_ok(const char *content, size_t n)
{
	unsigned id;
	int end = 0;
	char tail[16];
	if (n == 0 || n > 64 || memchr(content, '\0', n))
		return 0;
	if (sscanf(content, "k%u\r\n%15[^\n]%n", &id, tail, &end) != 2)
		return 0;
	return (size_t)end == n && strcmp(tail, "eth0") == 0;
}

static int check_store(const char *dir)
{
	int bad = 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0; /* not created yet */
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		if (n[0] == '.' || strcmp(n, "lock") == 0 ||
		    strncmp(n, "last_reserved_ip.", 17) == 0)
			continue;
		char path[4096], buf[128];
		snprintf(path, sizeof(path), "%s/%s", dir, n);
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		buf[len < 0 ? 0 : len] = '\0';
		if (len < 0 || !lease_ok(buf, (size_t)len)) {
			printf("bad %s \"%s\" (%zd bytes)\n", n, buf, len);
			bad++;
		}
	}
	closedir(d);
	return bad;
}

static pid_t spawn(const char *plugin, const char *conf, const char *cmd, const char *id)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int in = open(conf, O_RDONLY), null = open("/dev/null", O_WRONLY);
	dup2(in, 0);
	dup2(null, 1);
	dup2(null, 2);
	setenv("CNI_COMMAND", cmd, 1);
	setenv("CNI_CONTAINERID", id, 1);
	setenv("CNI_NETNS", "/run/netns/none", 1);
	setenv("CNI_IFNAME", "eth0", 1);
	setenv("CNI_PATH", "/nonexistent", 1);
	execl(plugin, plugin, (char *)NULL);
	_exit(127);
}

static long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* Mean wall time of 5 complete ADDs (ids c0..c4, valid leases). */
static long calibrate(const char *plugin, const char *conf)
{
	long t0 = now_us();
	for (int i = 0; i < 5; i++) {
		char id[16];
		int st;
		snprintf(id, sizeof(id), "k%d", 100000 + i);
		waitpid(spawn(plugin, conf, "ADD", id), &st, 0);
	}
	return (now_us() - t0) / 5;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: hl_killer PLUGIN CONF STORE_DIR ITERATIONS MAX_DELAY_US\n");
		return 2;
	}
	const char *plugin = argv[1], *conf = argv[2], *store = argv[3];
	int iters = atoi(argv[4]);
	long max_us = atol(argv[5]);
	int killed = 0, finished = 0, bad = 0;
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	if (max_us == 0)
		max_us = calibrate(plugin, conf) * 6 / 5;
	printf("kill window 0..%ld us\n", max_us);
	for (int i = 0; i < iters; i++) {
		char id[32];
		int del = i % 4 == 3;
		snprintf(id, sizeof(id), "k%d", del ? i - 2 : i);
		pid_t pid = spawn(plugin, conf, del ? "DEL" : "ADD", id);
		if (pid < 0)
			return 2;
		long us = max_us > 0 ? rand() % (max_us + 1) : 0;
		struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		if (WIFSIGNALED(st))
			killed++;
		else
			finished++;
		bad += check_store(store);
	}
	if (iters == 0) /* scan-only: lets a test prove the detector works */
		bad += check_store(store);
	printf("iterations %d killed %d finished %d bad %d\n", iters, killed, finished, bad);
	return bad ? 1 : 0;
}
