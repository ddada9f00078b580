#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns.h"

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -1;
	(*n)++;
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

int hl_dns_load(const char *path, struct cni_dns *out, struct cni_err *err)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "re");
	if (!f)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "open %s", path);
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	while (getline(&line, &cap, f) >= 0)
		if (parse_line(line, out) < 0) {
			rc = cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "read %s", path);
			break;
		}
	if (rc == 0 && ferror(f))
		rc = cni_err_errno(err, CNI_ERR_INTERNAL, errno, "read %s", path);
	free(line);
	fclose(f);
	if (rc < 0)
		cni_dns_free(out);
	return rc;
}
