/* The CNI versions we speak, their order, and the VERSION reply. */
#include "lib/cni/version.h"

#include <stdlib.h>
#include <string.h>

const char *const cni_supported_versions[] = {
    "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
};

int cni_version_index(const char *v)
{
	if (!v || !*v)
		v = CNI_VERSION_DEFAULT;
	for (int i = 0; cni_supported_versions[i]; i++)
		if (strcmp(v, cni_supported_versions[i]) == 0)
			return i;
	return -1;
}

/* Go's version.ParseVersion: one to three dot-separated decimal parts,
 * missing parts are 0, "" is 0.1.0. */
static bool parse_version(const char *v, long part[3])
{
	part[0] = 0;
	part[1] = 1;
	part[2] = 0;
	if (!v || !*v)
		return true;
	part[1] = 0;
	const char *p = v;
	for (int i = 0; i < 3; i++) {
		const char *start = p;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		char *end;
		part[i] = strtol(start, &end, 10);
		p = end;
		if (*p == '\0')
			return true;
		if (*p != '.')
			return false;
		p++;
	}
	return false; /* a fourth part */
}

int cni_version_cmp(const char *a, const char *b, bool *ok)
{
	long pa[3], pb[3];
	bool good = parse_version(a, pa) && parse_version(b, pb);
	if (ok)
		*ok = good;
	if (!good)
		return 0;
	for (int i = 0; i < 3; i++)
		if (pa[i] != pb[i])
			return pa[i] < pb[i] ? -1 : 1;
	return 0;
}

bool cni_version_ge(const char *v, const char *min)
{
	bool ok;
	int c = cni_version_cmp(v, min, &ok);
	return ok && c >= 0;
}

void cni_version_print(FILE *out)
{
	fputs("{\"cniVersion\":\"" CNI_VERSION_CURRENT "\",\"supportedVersions\":[", out);
	for (int i = 0; cni_supported_versions[i]; i++)
		fprintf(out, "%s\"%s\"", i ? "," : "", cni_supported_versions[i]);
	fputs("]}\n", out);
}
