/* A fake IPAM plugin for t_ipam.sh and for timing an exec of a trivial C
 * binary. On ADD it prints a fixed 1.0.0 result (FAKE_RESULT overrides it);
 * on other verbs nothing. With FAKE_DIR set it first records what it was
 * given, so the test can compare:
 *   $FAKE_DIR/stdin  the exact stdin bytes
 *   $FAKE_DIR/env    its environment, one variable per line
 *   $FAKE_DIR/fds    its open fds, space separated
 *   $FAKE_DIR/sigblk SigBlk from /proc/self/status (blocked signals) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char default_result[] =
    "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.99.0.5/24\",\"gateway\":\"10.99.0.1\"}],"
    "\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{}}";

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "we");
}

static void record_stdin(const char *dir)
{
	FILE *f = open_in(dir, "stdin");
	char buf[65536];
	size_t n;

	while (f && (n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		fwrite(buf, 1, n, f);
	if (f)
		fclose(f);
}

static void record_env(const char *dir)
{
	FILE *f = open_in(dir, "env");

	for (char **e = environ; f && *e; e++)
		fprintf(f, "%s\n", *e);
	if (f)
		fclose(f);
}

/* Listed before anything else is opened, so only inherited fds show. */
static void record_fds(const char *dir, char *out, size_t len)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	out[0] = '\0';
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) && n + 16 < len)
			n += snprintf(out + n, len - n, "%s%s", n ? " " : "", e->d_name);
	if (d)
		closedir(d);
	(void)dir;
}

static void record_sigblk(const char *dir)
{
	FILE *st = fopen("/proc/self/status", "re"), *f = open_in(dir, "sigblk");
	char line[256];

	while (st && f && fgets(line, sizeof(line), st))
		if (!strncmp(line, "SigBlk:", 7))
			fputs(line + 7 + strspn(line + 7, " \t"), f);
	if (st)
		fclose(st);
	if (f)
		fclose(f);
}

int main(void)
{
	const char *dir = getenv("FAKE_DIR");
	const char *cmd = getenv("CNI_COMMAND");
	const char *result = getenv("FAKE_RESULT");
	char fds[1024];

	if (dir && *dir) {
		FILE *f;

		record_fds(dir, fds, sizeof(fds));
		if ((f = open_in(dir, "fds"))) {
			fprintf(f, "%s\n", fds);
			fclose(f);
		}
		record_stdin(dir);
		record_env(dir);
		record_sigblk(dir);
	}
	if (cmd && !strcmp(cmd, "ADD"))
		fputs(result ? result : default_result, stdout);
	return 0;
}
