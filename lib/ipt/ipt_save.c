/* iptables-save text. See ipt_save.h. */
#include "lib/ipt/ipt_save.h"

#include <stdio.h>
#include <string.h>
#include "lib/names/names.h"

/* The start of the line after line. */
static const char *after(const char *line)
{
	size_t len = strcspn(line, "\n");
	return line + len + (line[len] == '\n');
}

/* Whether a line is "-A POSTROUTING ... -j <chain>". */
static bool is_jump_to(const char *line, size_t len, const char *chain)
{
	char tail[64];
	int tl = snprintf(tail, sizeof(tail), " -j %s", chain);
	return tl > 0 && (size_t)tl < sizeof(tail) && len > (size_t)tl &&
	       strncmp(line, "-A POSTROUTING ", 15) == 0 &&
	       strncmp(line + len - (size_t)tl, tail, (size_t)tl) == 0;
}

bool ipt_save_has_chain(const char *save, const char *chain)
{
	char decl[64];
	int n = snprintf(decl, sizeof(decl), ":%s ", chain);
	if (n <= 0 || (size_t)n >= sizeof(decl))
		return false;
	for (const char *line = save; *line; line = after(line)) {
		size_t len = strcspn(line, "\n");
		if (len >= (size_t)n && strncmp(line, decl, (size_t)n) == 0)
			return true;
	}
	return false;
}

bool ipt_save_has_jump(const char *save, const char *chain, const struct cni_ip *src)
{
	char addr[CNI_IPNET_STRLEN], want[CNI_IPNET_STRLEN + 32];
	snprintf(want, sizeof(want), "-A POSTROUTING -s %s/%d ", cni_ip_format(src, addr),
		 cni_ip_bits(src->family));
	for (const char *line = save; *line; line = after(line)) {
		size_t len = strcspn(line, "\n");
		if (is_jump_to(line, len, chain) && strncmp(line, want, strlen(want)) == 0)
			return true;
	}
	return false;
}

size_t ipt_save_write_jump_deletes(struct strbuf *b, const char *save, const char *chain)
{
	size_t n = 0;
	for (const char *line = save; *line; line = after(line)) {
		size_t len = strcspn(line, "\n");
		if (is_jump_to(line, len, chain)) {
			strbuf_addf(b, "-D%.*s\n", (int)len - 2, line + 2);
			n++;
		}
	}
	return n;
}

/* The CNI- chain a POSTROUTING line of this network jumps to, or NULL. */
static const char *gc_target(const char *line, size_t len, const char *comment_prefix)
{
	const char *c = strstr(line, " --comment ");
	const char *j = len > 4 + MASQ_IPT_CHAIN_LEN ? line + len - MASQ_IPT_CHAIN_LEN : NULL;
	if (strncmp(line, "-A POSTROUTING ", 15) != 0 || !c || c >= line + len || !j ||
	    strncmp(c + 11, comment_prefix, strlen(comment_prefix)) != 0 ||
	    strncmp(j - 4, " -j CNI-", 8) != 0)
		return NULL;
	return j;
}

static bool listed(const char *chain, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(chain, list[i], MASQ_IPT_CHAIN_LEN) == 0)
			return true;
	return false;
}

size_t ipt_save_write_gc(struct strbuf *b, const char *save, const char *comment_prefix,
			 const char *const *keep, size_t n_keep)
{
	char stale[64][MASQ_IPT_CHAIN_LEN + 1];
	const char *stale_p[64];
	size_t n_stale = 0, lines = 0;
	for (const char *line = save; *line; line = after(line)) {
		size_t len = strcspn(line, "\n");
		const char *target = gc_target(line, len, comment_prefix);
		if (!target || listed(target, keep, n_keep))
			continue;
		strbuf_addf(b, "-D%.*s\n", (int)len - 2, line + 2);
		lines++;
		if (n_stale < 64 && !listed(target, stale_p, n_stale)) {
			memcpy(stale[n_stale], target, MASQ_IPT_CHAIN_LEN);
			stale[n_stale][MASQ_IPT_CHAIN_LEN] = '\0';
			stale_p[n_stale] = stale[n_stale];
			n_stale++;
		}
	}
	for (size_t i = 0; i < n_stale; i++)
		if (ipt_save_has_chain(save, stale[i])) {
			strbuf_addf(b, "-F %s\n-X %s\n", stale[i], stale[i]);
			lines++;
		}
	return lines;
}

/* The container ID after the comment prefix: \"<cid>\" (iptables-save
 * escapes the inner quotes). Container IDs hold no quote or backslash
 * (CNI's rule), so the first \" ends it. */
static bool owned_cid(const char *p, const char *end, char cid[256])
{
	const char *close;
	if (end - p < 4 || strncmp(p, "\\\"", 2) != 0)
		return false;
	p += 2;
	close = memmem(p, (size_t)(end - p), "\\\"", 2);
	if (!close || close == p || close - p > 255)
		return false;
	memcpy(cid, p, (size_t)(close - p));
	cid[close - p] = '\0';
	return true;
}

/* "-A CNI-x ..." -> CNI-x; "-A POSTROUTING ... -j CNI-x" -> CNI-x; else NULL. */
static const char *owned_chain(const char *line, size_t len)
{
	if (len > 3 + MASQ_IPT_CHAIN_LEN && strncmp(line, "-A CNI-", 7) == 0 &&
	    line[3 + MASQ_IPT_CHAIN_LEN] == ' ')
		return line + 3;
	if (strncmp(line, "-A POSTROUTING ", 15) == 0 && len > 4 + MASQ_IPT_CHAIN_LEN &&
	    strncmp(line + len - MASQ_IPT_CHAIN_LEN - 4, " -j CNI-", 8) == 0)
		return line + len - MASQ_IPT_CHAIN_LEN;
	return NULL;
}

size_t ipt_save_each_owned(const char *save, const char *comment_prefix, ipt_owned_fn *fn,
			   void *arg)
{
	size_t n = 0, plen = strlen(comment_prefix);
	for (const char *line = save; *line; line = after(line)) {
		size_t len = strcspn(line, "\n");
		const char *end = line + len, *chain = owned_chain(line, len);
		const char *c = memmem(line, len, " --comment ", 11);
		char name[MASQ_IPT_CHAIN_LEN + 1], cid[256];
		if (!chain || !c || (size_t)(end - (c + 11)) < plen ||
		    strncmp(c + 11, comment_prefix, plen) != 0 ||
		    !owned_cid(c + 11 + plen, end, cid))
			continue;
		memcpy(name, chain, MASQ_IPT_CHAIN_LEN);
		name[MASQ_IPT_CHAIN_LEN] = '\0';
		fn(name, cid, arg);
		n++;
	}
	return n;
}
