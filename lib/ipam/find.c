/* ipam_find: the reference's invoke.FindInPath over CNI_PATH. */
#include "lib/ipam/ipam.h"

#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

/* Joins dir and name into buf. */
static int join_path(const char *dir, size_t dir_len, const char *name, char *buf, size_t len)
{
	const char *sep = dir_len && dir[dir_len - 1] != '/' ? "/" : "";
	int n = snprintf(buf, len, "%.*s%s%s", (int)dir_len, dir, sep, name);

	return n >= 0 && (size_t)n < len ? 0 : -1;
}

static int is_regular_file(const char *path)
{
	struct stat st;

	/* stat follows symlinks, as Go's os.Stat; the exec bit is not
	 * required (exec then fails with a message naming the file). */
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Go prints the list as [a b]: elements separated by one space, empty
 * ones kept (so "a::b" shows as [a  b]). */
static void format_path_list(const char *cni_path, char *out, size_t len)
{
	size_t n = 0;

	out[n++] = '[';
	for (const char *p = cni_path; *p && n + 2 < len; p++)
		out[n++] = *p == ':' ? ' ' : *p;
	out[n++] = ']';
	out[n] = '\0';
}

int ipam_find(const char *type, const char *cni_path, char *buf, size_t len, struct cni_err *err)
{
	char list[CNI_ERR_MSG_MAX / 2];
	const char *dir = cni_path;

	if (!type || !*type)
		return cni_err_set(err, CNI_ERR_INTERNAL, "no plugin name provided");
	if (strchr(type, '/'))
		return cni_err_set(err, CNI_ERR_INTERNAL, "invalid plugin name: %s", type);
	if (!cni_path || !*cni_path)
		return cni_err_set(err, CNI_ERR_INTERNAL, "no paths provided");
	bool skipped = false;
	for (;;) {
		const char *end = strchrnul(dir, ':');

		/* Go resolves a relative or empty entry ("a::b") against the
		 * working directory, so whoever picks the runtime's cwd picks
		 * the binary we run as root. Such entries are never searched. */
		if (dir[0] != '/')
			skipped = true;
		else if (join_path(dir, end - dir, type, buf, len) == 0 && is_regular_file(buf))
			return 0;
		if (!*end)
			break;
		dir = end + 1;
	}
	buf[0] = '\0';
	format_path_list(cni_path, list, sizeof(list));
	return cni_err_set(err, CNI_ERR_INTERNAL, "failed to find plugin \"%s\" in path %s%s", type,
			   list,
			   skipped ? " (relative and empty CNI_PATH entries are ignored: use "
				     "absolute directories)"
				   : "");
}
