/* Names, and running iptables-restore / iptables-save. See ipt_tools.h. */
#include "lib/ipt/ipt_tools.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "lib/ipt/ipt_exec.h"
#include "lib/ipt/ipt_masq.h"
#include "lib/names/names.h"

const char *ipt_restore_tool(int family)
{
	return family == AF_INET ? "iptables-restore" : "ip6tables-restore";
}

const char *ipt_save_tool(int family)
{
	return family == AF_INET ? "iptables-save" : "ip6tables-save";
}

bool masq_ipt_usable(int family)
{
	char path[4096];
	return ipt_find_tool(ipt_restore_tool(family), path, sizeof(path)) &&
	       ipt_find_tool(ipt_save_tool(family), path, sizeof(path));
}

bool masq_ipt_works(int family)
{
	static const char *const args[] = {"-t", "filter", NULL};
	struct ipt_output res = {0};
	struct cni_err ignored = {0};

	if (!masq_ipt_usable(family) ||
	    ipt_run(ipt_save_tool(family), args, NULL, &res, &ignored) < 0)
		return false;
	free(res.out);
	return res.status == 0;
}

int ipt_names_for(const char *net, const char *cid, struct ipt_names *nm, struct cni_err *err)
{
	char raw[900];
	masq_ipt_chain(net, cid, nm->chain);
	if (masq_ipt_comment(net, cid, raw, sizeof(raw)) < 0)
		return cni_err_set(
		    err, CNI_ERR_INVALID_CONFIG,
		    "iptables: network name plus container ID too long for a comment");
	/* iptables-restore reads the comment as one double-quoted word, in
	 * which a backslash escapes the next character. */
	size_t pos = 0;
	nm->comment[pos++] = '"';
	for (const char *p = raw; *p && pos < sizeof(nm->comment) - 3; p++) {
		if (*p == '"' || *p == '\\')
			nm->comment[pos++] = '\\';
		nm->comment[pos++] = *p;
	}
	nm->comment[pos++] = '"';
	nm->comment[pos] = '\0';
	return 0;
}

int ipt_restore(int family, const char *batch, struct cni_err *err)
{
	static const char *const args[] = {"--noflush", "--wait", NULL};
	struct ipt_output res;
	if (ipt_run(ipt_restore_tool(family), args, batch, &res, err) < 0)
		return -1;
	free(res.out);
	if (res.status == 0)
		return 0;
	cni_err_set(err, CNI_ERR_INTERNAL, "%s failed (status %d): %s", ipt_restore_tool(family),
		    res.status, res.errmsg);
	return 1;
}

int ipt_save_nat(int family, char **out, struct cni_err *err)
{
	static const char *const args[] = {"-t", "nat", NULL};
	struct ipt_output res;
	if (ipt_run(ipt_save_tool(family), args, NULL, &res, err) < 0)
		return -1;
	if (res.status != 0) {
		free(res.out);
		return cni_err_set(err, CNI_ERR_INTERNAL, "%s -t nat failed (status %d): %s",
				   ipt_save_tool(family), res.status, res.errmsg);
	}
	*out = res.out;
	return 0;
}

int ipt_nat_edit(int family, ipt_nat_edit_fn *edit, const void *arg, struct cni_err *err)
{
	struct strbuf b = STRBUF_INIT;
	char *save = NULL;
	size_t lines;
	int rc = -1;
	if (ipt_save_nat(family, &save, err) < 0)
		return -1;
	strbuf_puts(&b, "*nat\n");
	lines = edit(&b, save, arg);
	strbuf_puts(&b, "COMMIT\n");
	if (b.failed)
		cni_err_set(err, CNI_ERR_IO, "iptables: out of memory");
	else
		rc = lines ? (ipt_restore(family, b.p, err) == 0 ? 0 : -1) : 0;
	free(save);
	strbuf_free(&b);
	return rc;
}
