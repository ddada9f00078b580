#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "plugin/host-local/dns.h"
#include "lib/util/vec.h"

static int push(char ***v, size_t *n, const char *s)
{
	char *copy = strdup(s), **slot = copy ? array_push(v, n, NULL, sizeof(**v)) : NULL;

	if (!slot) {
		free(copy);
		return -1;
	}
	*slot = copy;
	return 0;
}

/* Splits line into at most max words on ASCII whitespace, in place. */
static size_t fields(char *line, char **w, size_t max)
{
	size_t n = 0;
	for (char *tok = strtok(line, " \t\r\n\v\f"); tok && n < max;
	     tok = strtok(NULL, " \t\r\n\v\f"))
		w[n++] = tok;
	return n;
}

static int parse_line(char *line, struct cni_dns *d)
{
	char *w[64];
	size_t n = fields(line, w, 64);
	if (n < 2 || w[0][0] == '#' || w[0][0] == ';')
		return 0;
	if (strcmp(w[0], "nameserver") == 0)
		return push(&d->nameservers, &d->n_nameservers, w[1]);
	if (strcmp(w[0], "domain") == 0) {
		free(d->domain);
		return (d->domain = strdup(w[1])) ? 0 : -1;
	}
	char ***v = NULL;
	size_t *cnt = NULL;
	if (strcmp(w[0], "search") == 0) {
		v = &d->search;
		cnt = &d->n_search;
	} else if (strcmp(w[0], "options") == 0) {
		v = &d->options;
		cnt = &d->n_options;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++)
		if (push(v, cnt, w[i]) < 0)
			return -1;
	return 0;
}

/* O_NONBLOCK: a FIFO planted as resolvConf must not hang the ADD (it is
 * then refused as not a regular file). */
static FILE *open_regular(const char *path, struct cni_err *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		cni_err_errno(err, CNI_ERR_INTERNAL, errno, "resolvConf: open %s", path);
		return NULL;
	}
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) < 0)
		why = "cannot stat it";
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > HL_RESOLV_CONF_MAX)
		why = "larger than 1 MiB";
	FILE *f = why ? NULL : fdopen(fd, "r");
	if (!f) {
		cni_err_set(err, CNI_ERR_INTERNAL, "resolvConf %s: %s", path,
			    why ? why : "cannot read it");
		close(fd);
	}
	return f;
}

int hl_dns_load(const char *path, struct cni_dns *out, struct cni_err *err)
{
	memset(out, 0, sizeof(*out));
	FILE *f = open_regular(path, err);
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;
	int rc = 0;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		total += (size_t)n;
		/* Go's bufio.Scanner stops at 64 KiB lines; the size cap also
		 * holds for a file that grows while we read it */
		if (n > HL_RESOLV_LINE_MAX || total > HL_RESOLV_CONF_MAX)
			rc = cni_err_set(err, CNI_ERR_INTERNAL,
					 "resolvConf %s: a line longer than 64 KiB or a file "
					 "larger than 1 MiB",
					 path);
		else if (parse_line(line, out) < 0)
			rc = cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "resolvConf %s", path);
	}
	if (rc == 0 && ferror(f))
		rc = cni_err_errno(err, CNI_ERR_INTERNAL, errno, "resolvConf: read %s", path);
	free(line);
	fclose(f);
	if (rc < 0)
		cni_dns_free(out);
	return rc;
}
