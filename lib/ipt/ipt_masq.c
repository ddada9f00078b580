/* iptables masquerade through iptables-restore batches. See masq.h. */
#include "masq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "ipt_exec.h"
#include "lib/nft/names.h"
#include "lib/nft/nft.h"
#include <linux/netfilter.h>

struct names {
	char chain[MASQ_IPT_CHAIN_LEN + 1];
	char comment[1024]; /* Go-quoted, as iptables-save prints it */
};

static const char *restore_tool(int family)
{
	return family == AF_INET ? "iptables-restore" : "ip6tables-restore";
}

static const char *save_tool(int family)
{
	return family == AF_INET ? "iptables-save" : "ip6tables-save";
}

bool masq_ipt_usable(int family)
{
	char path[4096];
	return ipt_find_tool(restore_tool(family), path, sizeof(path)) &&
	       ipt_find_tool(save_tool(family), path, sizeof(path));
}

static int names_for(const char *net, const char *cid, struct names *nm, struct cni_err *err)
{
	char raw[900];
	masq_ipt_chain(net, cid, nm->chain);
	if (masq_ipt_comment(net, cid, raw, sizeof(raw)) < 0)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
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

/* Runs a -restore batch for family. Returns 0; 1 when the tool ran and
 * refused the batch; -1 when it could not run. err is set on 1 and -1. */
static int restore(int family, const char *batch, struct cni_err *err)
{
	static const char *const args[] = {"--noflush", "--wait", NULL};
	struct ipt_output res;
	if (ipt_run(restore_tool(family), args, batch, &res, err) < 0)
		return -1;
	free(res.out);
	if (res.status == 0)
		return 0;
	cni_err_set(err, CNI_ERR_INTERNAL, "%s failed (status %d): %s", restore_tool(family),
		    res.status, res.errmsg);
	return 1;
}

/* The nat table as iptables-save prints it; *out is malloc'd. */
static int save_nat(int family, char **out, struct cni_err *err)
{
	static const char *const args[] = {"-t", "nat", NULL};
	struct ipt_output res;
	if (ipt_run(save_tool(family), args, NULL, &res, err) < 0)
		return -1;
	if (res.status != 0) {
		free(res.out);
		return cni_err_set(err, CNI_ERR_INTERNAL, "%s -t nat failed (status %d): %s",
				   save_tool(family), res.status, res.errmsg);
	}
	*out = res.out;
	return 0;
}

/* Whether an iptables-save line is "-A POSTROUTING ... -j <chain>". */
static bool is_jump_to(const char *line, size_t len, const char *chain)
{
	char tail[64];
	size_t tl = (size_t)snprintf(tail, sizeof(tail), " -j %s", chain);
	return len > tl && strncmp(line, "-A POSTROUTING ", 15) == 0 &&
	       strncmp(line + len - tl, tail, tl) == 0;
}

static bool chain_listed(const char *save, const char *chain)
{
	char decl[64];
	int n = snprintf(decl, sizeof(decl), "\n:%s ", chain);
	return n > 0 && (size_t)n < sizeof(decl) && strstr(save, decl) != NULL;
}

/* Writes "-D POSTROUTING ..." for every jump to chain found in save, and
 * counts them. */
static size_t write_jump_deletes(FILE *f, const char *save, const char *chain)
{
	size_t n = 0;
	for (const char *line = save; *line;) {
		size_t len = strcspn(line, "\n");
		if (is_jump_to(line, len, chain)) {
			fprintf(f, "-D%.*s\n", (int)len - 2, line + 2);
			n++;
		}
		line += len + (line[len] == '\n');
	}
	return n;
}

static void write_chain_rules(FILE *f, int family, const struct names *nm,
			      const struct cni_ipnet *ips, size_t n)
{
	char buf[CNI_IPNET_STRLEN];
	for (size_t i = 0; i < n; i++)
		if (ips[i].ip.family == family)
			fprintf(f, "-A %s -d %s -m comment --comment %s -j ACCEPT\n", nm->chain,
				cni_ipnet_format(&ips[i], buf), nm->comment);
	fprintf(f, "-A %s ! -d %s -m comment --comment %s -j MASQUERADE\n", nm->chain,
		family == AF_INET ? "224.0.0.0/4" : "ff00::/8", nm->comment);
}

static void write_jumps(FILE *f, int family, const struct names *nm, const struct cni_ipnet *ips,
			size_t n)
{
	char buf[CNI_IPNET_STRLEN];
	for (size_t i = 0; i < n; i++)
		if (ips[i].ip.family == family)
			fprintf(f, "-A POSTROUTING -s %s -m comment --comment %s -j %s\n",
				cni_ip_format(&ips[i].ip, buf), nm->comment, nm->chain);
}

/* The batch for one family. save == NULL: the fast path, which fails when
 * the chain exists (-N). Otherwise: create-or-flush the chain (":chain" in
 * --noflush mode) and replace the jumps listed in save. */
static char *setup_batch(int family, const struct names *nm, const struct cni_ipnet *ips,
			 size_t n, const char *save)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fputs("*nat\n", f);
	if (save)
		fprintf(f, ":%s - [0:0]\n", nm->chain);
	else
		fprintf(f, "-N %s\n", nm->chain);
	write_chain_rules(f, family, nm, ips, n);
	if (save)
		write_jump_deletes(f, save, nm->chain);
	write_jumps(f, family, nm, ips, n);
	fputs("COMMIT\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int setup_family(int family, const struct names *nm, const struct cni_ipnet *ips,
			size_t n, struct cni_err *err)
{
	char *batch = setup_batch(family, nm, ips, n, NULL), *save = NULL;
	int rc;
	if (!batch)
		return cni_err_set(err, CNI_ERR_IO, "iptables: out of memory");
	rc = restore(family, batch, err);
	free(batch);
	if (rc <= 0)
		return rc;
	/* Most likely the chain exists (a repeated ADD, or state left by
	 * another plugin): rebuild it from a listing. */
	cni_err_clear(err);
	if (save_nat(family, &save, err) < 0)
		return -1;
	batch = setup_batch(family, nm, ips, n, save);
	free(save);
	if (!batch)
		return cni_err_set(err, CNI_ERR_IO, "iptables: out of memory");
	rc = restore(family, batch, err);
	free(batch);
	return rc == 0 ? 0 : -1;
}

static bool has_family(const struct cni_ipnet *ips, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (ips[i].ip.family == family)
			return true;
	return false;
}

int masq_ipt_setup(const char *net, const char *cid, const struct cni_ipnet *ips, size_t n,
		   struct cni_err *err)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct names nm;
	if (names_for(net, cid, &nm, err) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++)
		if (has_family(ips, n, families[i]) &&
		    setup_family(families[i], &nm, ips, n, err) < 0)
			return -1;
	return 0;
}

/* Whether the chain may exist in family, decided without running a tool:
 * iptables-nft keeps it as a chain of nf_tables table ip/ip6 "nat", which
 * netlink can look up; iptables-legacy shows a loaded nat table in
 * /proc/net/ip(6)_tables_names. In doubt, true. This spares a DEL two
 * iptables-save runs when there is nothing to remove (the nftables backend,
 * a repeated DEL). */
static bool maybe_present(int family, const char *chain)
{
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct cni_err ignored = {0};
	char line[64];
	bool legacy_nat = false;
	FILE *f = fopen(family == AF_INET ? "/proc/net/ip_tables_names"
					  : "/proc/net/ip6_tables_names", "re");
	if (f) {
		while (!legacy_nat && fgets(line, sizeof(line), f))
			legacy_nat = strcmp(line, "nat\n") == 0;
		fclose(f);
	}
	if (legacy_nat || nft_open(&c, &ignored) < 0)
		return true;
	return nft_chain_exists(&c, family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6, "nat", chain,
				&ignored) != 0;
}

static int teardown_family(int family, const struct names *nm, struct cni_err *err)
{
	char *save = NULL, *buf = NULL;
	size_t size = 0, jumps;
	bool chain;
	int rc = -1;
	if (save_nat(family, &save, err) < 0)
		return -1;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		goto out;
	fputs("*nat\n", f);
	jumps = write_jump_deletes(f, save, nm->chain);
	chain = chain_listed(save, nm->chain);
	if (chain)
		fprintf(f, "-F %s\n-X %s\n", nm->chain, nm->chain);
	fputs("COMMIT\n", f);
	if (fclose(f) != 0)
		goto out;
	rc = jumps || chain ? (restore(family, buf, err) == 0 ? 0 : -1) : 0;
out:
	if (rc < 0 && !cni_err_isset(err))
		cni_err_set(err, CNI_ERR_IO, "iptables: out of memory");
	free(save);
	free(buf);
	return rc;
}

int masq_ipt_teardown(const char *net, const char *cid, const struct cni_ipnet *ips, size_t n,
		      struct cni_err *err)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct names nm;
	if (names_for(net, cid, &nm, err) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++) {
		if (n && !has_family(ips, n, families[i]))
			continue;
		if (!masq_ipt_usable(families[i]) || !maybe_present(families[i], nm.chain))
			continue;
		if (teardown_family(families[i], &nm, err) < 0)
			return -1;
	}
	return 0;
}

/* Whether save holds "-A POSTROUTING -s <ip>/<bits> ... -j <chain>". */
static bool jump_listed(const char *save, const struct names *nm, const struct cni_ipnet *ip)
{
	char addr[CNI_IPNET_STRLEN], want[CNI_IPNET_STRLEN + 32];
	snprintf(want, sizeof(want), "-A POSTROUTING -s %s/%d ", cni_ip_format(&ip->ip, addr),
		 cni_ip_bits(ip->ip.family));
	for (const char *line = save; *line;) {
		size_t len = strcspn(line, "\n");
		if (is_jump_to(line, len, nm->chain) && strncmp(line, want, strlen(want)) == 0)
			return true;
		line += len + (line[len] == '\n');
	}
	return false;
}

static int check_family(int family, const struct names *nm, const struct cni_ipnet *ips,
			size_t n, struct cni_err *err)
{
	char *save = NULL, addr[CNI_IPNET_STRLEN];
	int rc = 0;
	if (save_nat(family, &save, err) < 0)
		return -1;
	if (!chain_listed(save, nm->chain))
		rc = cni_err_set(err, CNI_ERR_INTERNAL, "iptables: chain %s missing in table nat",
				 nm->chain);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (ips[i].ip.family == family && !jump_listed(save, nm, &ips[i]))
			rc = cni_err_set(err, CNI_ERR_INTERNAL,
					 "iptables: no POSTROUTING rule -s %s -j %s",
					 cni_ip_format(&ips[i].ip, addr), nm->chain);
	free(save);
	return rc;
}

int masq_ipt_check(const char *net, const char *cid, const struct cni_ipnet *ips, size_t n,
		   struct cni_err *err)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct names nm;
	if (names_for(net, cid, &nm, err) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++)
		if (has_family(ips, n, families[i]) && check_family(families[i], &nm, ips, n, err) < 0)
			return -1;
	return 0;
}

/* The quoted comment prefix `"name: \"<net>\" id: ` as iptables-save
 * prints the comments of network net. */
static int net_comment_prefix(const char *net, char *out, size_t size, struct cni_err *err)
{
	struct names nm;
	if (names_for(net, "", &nm, err) < 0)
		return -1;
	/* nm.comment ends with the quoted empty id: \"\"" (5 bytes). */
	size_t len = strlen(nm.comment) - 5;
	if (len + 1 > size)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "iptables: network name too long");
	memcpy(out, nm.comment, len);
	out[len] = '\0';
	return 0;
}

static bool chain_is_valid(const char *chain, size_t len, const char *net,
			   const struct cni_attachment *valid, size_t n)
{
	char want[MASQ_IPT_CHAIN_LEN + 1];
	for (size_t i = 0; i < n; i++) {
		masq_ipt_chain(net, valid[i].container_id, want);
		if (len == MASQ_IPT_CHAIN_LEN && strncmp(chain, want, len) == 0)
			return true;
	}
	return false;
}

/* Writes the deletes for the stale jumps of net found in save, and flushes
 * and deletes their chains. Returns how many lines were written. */
static size_t write_gc(FILE *f, const char *save, const char *net, const char *prefix,
		       const struct cni_attachment *valid, size_t n)
{
	char chains[64][MASQ_IPT_CHAIN_LEN + 1];
	size_t n_chains = 0, lines = 0;
	for (const char *line = save; *line;) {
		size_t len = strcspn(line, "\n");
		const char *c = strstr(line, " --comment ");
		const char *j = len > 4 + MASQ_IPT_CHAIN_LEN ? line + len - MASQ_IPT_CHAIN_LEN : NULL;
		if (strncmp(line, "-A POSTROUTING ", 15) == 0 && c && c < line + len &&
		    strncmp(c + 11, prefix, strlen(prefix)) == 0 && j &&
		    strncmp(j - 4, " -j CNI-", 8) == 0 &&
		    !chain_is_valid(j, MASQ_IPT_CHAIN_LEN, net, valid, n)) {
			fprintf(f, "-D%.*s\n", (int)len - 2, line + 2);
			lines++;
			bool seen = false;
			for (size_t i = 0; i < n_chains; i++)
				seen = seen || strncmp(chains[i], j, MASQ_IPT_CHAIN_LEN) == 0;
			if (!seen && n_chains < 64)
				snprintf(chains[n_chains++], sizeof(chains[0]), "%.*s",
					 MASQ_IPT_CHAIN_LEN, j);
		}
		line += len + (line[len] == '\n');
	}
	for (size_t i = 0; i < n_chains; i++)
		if (chain_listed(save, chains[i])) {
			fprintf(f, "-F %s\n-X %s\n", chains[i], chains[i]);
			lines++;
		}
	return lines;
}

static int gc_family(int family, const char *net, const char *prefix,
		     const struct cni_attachment *valid, size_t n, struct cni_err *err)
{
	char *save = NULL, *buf = NULL;
	size_t size = 0, lines;
	int rc = -1;
	if (save_nat(family, &save, err) < 0)
		return -1;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		goto out;
	fputs("*nat\n", f);
	lines = write_gc(f, save, net, prefix, valid, n);
	fputs("COMMIT\n", f);
	if (fclose(f) != 0)
		goto out;
	rc = lines ? (restore(family, buf, err) == 0 ? 0 : -1) : 0;
out:
	if (rc < 0 && !cni_err_isset(err))
		cni_err_set(err, CNI_ERR_IO, "iptables: out of memory");
	free(save);
	free(buf);
	return rc;
}

int masq_ipt_gc(const char *net, const struct cni_attachment *valid, size_t n,
		struct cni_err *err)
{
	static const int families[] = {AF_INET, AF_INET6};
	char prefix[1024];
	if (net_comment_prefix(net, prefix, sizeof(prefix), err) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++)
		if (masq_ipt_usable(families[i]) &&
		    gc_family(families[i], net, prefix, valid, n, err) < 0)
			return -1;
	return 0;
}
