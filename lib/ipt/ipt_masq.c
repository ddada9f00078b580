/* iptables masquerade through iptables-restore batches: setup, teardown,
 * check. See ipt_masq.h. */
#include "lib/ipt/ipt_masq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "lib/ipt/ipt_save.h"
#include "lib/ipt/ipt_tools.h"

static void write_chain_rules(struct strbuf *b, int family, const struct ipt_names *nm,
			      const struct cni_ipnet *ips, size_t n)
{
	char buf[CNI_IPNET_STRLEN];
	for (size_t i = 0; i < n; i++)
		if (ips[i].ip.family == family)
			strbuf_addf(b, "-A %s -d %s -m comment --comment %s -j ACCEPT\n", nm->chain,
				    cni_ipnet_format(&ips[i], buf), nm->comment);
	strbuf_addf(b, "-A %s ! -d %s -m comment --comment %s -j MASQUERADE\n", nm->chain,
		    family == AF_INET ? "224.0.0.0/4" : "ff00::/8", nm->comment);
}

static void write_jumps(struct strbuf *b, int family, const struct ipt_names *nm,
			const struct cni_ipnet *ips, size_t n)
{
	char buf[CNI_IPNET_STRLEN];
	for (size_t i = 0; i < n; i++)
		if (ips[i].ip.family == family)
			strbuf_addf(b, "-A POSTROUTING -s %s -m comment --comment %s -j %s\n",
				    cni_ip_format(&ips[i].ip, buf), nm->comment, nm->chain);
}

/* The batch for one family. save == NULL: the fast path, which fails when
 * the chain exists (-N). Otherwise: create-or-flush the chain (":chain" in
 * --noflush mode) and replace the jumps listed in save. */
static char *setup_batch(int family, const struct ipt_names *nm, const struct cni_ipnet *ips,
			 size_t n, const char *save)
{
	struct strbuf batch = STRBUF_INIT, *b = &batch;
	strbuf_puts(b, "*nat\n");
	if (save)
		strbuf_addf(b, ":%s - [0:0]\n", nm->chain);
	else
		strbuf_addf(b, "-N %s\n", nm->chain);
	write_chain_rules(b, family, nm, ips, n);
	if (save)
		ipt_save_write_jump_deletes(b, save, nm->chain);
	write_jumps(b, family, nm, ips, n);
	strbuf_puts(b, "COMMIT\n");
	if (batch.failed) {
		strbuf_free(&batch);
		return NULL;
	}
	return strbuf_take(&batch, NULL);
}

static int setup_family(int family, const struct ipt_names *nm, const struct cni_ipnet *ips,
			size_t n, struct cni_err *err)
{
	char *batch = setup_batch(family, nm, ips, n, NULL), *save = NULL;
	int rc;
	if (!batch)
		return cni_err_set(err, CNI_ERR_IO, "iptables: out of memory");
	rc = ipt_restore(family, batch, err);
	free(batch);
	if (rc <= 0)
		return rc;
	/* Most likely the chain exists (a repeated ADD, or state left by
	 * another plugin): rebuild it from a listing. */
	cni_err_clear(err);
	if (ipt_save_nat(family, &save, err) < 0)
		return -1;
	batch = setup_batch(family, nm, ips, n, save);
	free(save);
	if (!batch)
		return cni_err_set(err, CNI_ERR_IO, "iptables: out of memory");
	rc = ipt_restore(family, batch, err);
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

typedef int family_fn(int family, const struct ipt_names *nm, const struct cni_ipnet *ips, size_t n,
		      struct cni_err *err);

/* Runs fn, with the attachment's chain name and comment, for each family
 * that ips has an address of; stops at the first failure. */
static int for_each_family(const char *net, const char *cid, const struct cni_ipnet *ips, size_t n,
			   family_fn *fn, struct cni_err *err)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct ipt_names nm;
	if (ipt_names_for(net, cid, &nm, err) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++)
		if (has_family(ips, n, families[i]) && fn(families[i], &nm, ips, n, err) < 0)
			return -1;
	return 0;
}

int masq_ipt_setup(const char *net, const char *cid, const struct cni_ipnet *ips, size_t n,
		   struct cni_err *err)
{
	return for_each_family(net, cid, ips, n, setup_family, err);
}

/* Whether the chain may exist in family, decided without running a tool:
 * iptables-legacy shows a loaded nat table in /proc/net/ip(6)_tables_names;
 * with none, iptables-nft is the only place, and the caller's probe asks
 * nf_tables (lib/ipt does not speak nftables). In doubt, true. This spares
 * a DEL two iptables-save runs when there is nothing to remove (the
 * nftables backend, a repeated DEL). */
static bool maybe_present(int family, const char *chain, masq_ipt_probe *nft_may_exist)
{
	char line[64];
	bool legacy_nat = false;
	FILE *f = fopen(
	    family == AF_INET ? "/proc/net/ip_tables_names" : "/proc/net/ip6_tables_names", "re");
	if (f) {
		while (!legacy_nat && fgets(line, sizeof(line), f))
			legacy_nat = strcmp(line, "nat\n") == 0;
		fclose(f);
	}
	return legacy_nat || !nft_may_exist || nft_may_exist(family, chain);
}

/* An ipt_nat_edit_fn: deletes the jumps to the chain, then the chain. */
static size_t write_teardown(struct strbuf *b, const char *save, const void *arg)
{
	const struct ipt_names *nm = arg;
	size_t lines = ipt_save_write_jump_deletes(b, save, nm->chain);
	if (ipt_save_has_chain(save, nm->chain)) {
		strbuf_addf(b, "-F %s\n-X %s\n", nm->chain, nm->chain);
		lines += 2;
	}
	return lines;
}

/* The direct teardown: the jumps ADD wrote for these addresses (the same
 * spec as write_jumps, so iptables matches them exactly), then the chain.
 * One iptables-restore, no listing. The batch is atomic: when any line
 * fails (a jump already gone, one more jump than ours, a chain still
 * referenced) nothing changed and the caller falls back to the listing. */
static char *direct_teardown_batch(int family, const struct ipt_names *nm,
				   const struct cni_ipnet *ips, size_t n)
{
	char *buf = NULL, a[CNI_IPNET_STRLEN];
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fputs("*nat\n", f);
	for (size_t i = 0; i < n; i++)
		if (ips[i].ip.family == family)
			fprintf(f, "-D POSTROUTING -s %s -m comment --comment %s -j %s\n",
				cni_ip_format(&ips[i].ip, a), nm->comment, nm->chain);
	fprintf(f, "-F %s\n-X %s\nCOMMIT\n", nm->chain, nm->chain);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* 0: removed; 1: not applicable, use the listing; -1: error. */
static int teardown_direct(int family, const struct ipt_names *nm, const struct cni_ipnet *ips,
			   size_t n, struct cni_err *err)
{
	char *batch;
	int rc;

	if (!n)
		return 1; /* addresses unknown (netns gone): only a listing finds the jumps */
	batch = direct_teardown_batch(family, nm, ips, n);
	if (!batch)
		return cni_err_set(err, CNI_ERR_IO, "iptables: out of memory");
	rc = ipt_restore(family, batch, err);
	free(batch);
	if (rc > 0)
		cni_err_clear(err);
	return rc;
}

int masq_ipt_teardown(const char *net, const char *cid, const struct cni_ipnet *ips, size_t n,
		      masq_ipt_probe *nft_may_exist, struct cni_err *err)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct ipt_names nm;
	if (ipt_names_for(net, cid, &nm, err) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++) {
		if (n && !has_family(ips, n, families[i]))
			continue;
		if (!masq_ipt_usable(families[i]) ||
		    !maybe_present(families[i], nm.chain, nft_may_exist))
			continue;
		int rc = teardown_direct(families[i], &nm, ips, n, err);
		if (rc < 0)
			return -1;
		if (rc > 0 && ipt_nat_edit(families[i], write_teardown, &nm, err) < 0)
			return -1;
	}
	return 0;
}

static int check_family(int family, const struct ipt_names *nm, const struct cni_ipnet *ips,
			size_t n, struct cni_err *err)
{
	char *save = NULL, addr[CNI_IPNET_STRLEN];
	int rc = 0;
	if (ipt_save_nat(family, &save, err) < 0)
		return -1;
	if (!ipt_save_has_chain(save, nm->chain))
		rc = cni_err_set(err, CNI_ERR_INTERNAL, "iptables: chain %s missing in table nat",
				 nm->chain);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (ips[i].ip.family == family && !ipt_save_has_jump(save, nm->chain, &ips[i].ip))
			rc = cni_err_set(err, CNI_ERR_INTERNAL,
					 "iptables: no POSTROUTING rule -s %s -j %s",
					 cni_ip_format(&ips[i].ip, addr), nm->chain);
	free(save);
	return rc;
}

int masq_ipt_check(const char *net, const char *cid, const struct cni_ipnet *ips, size_t n,
		   struct cni_err *err)
{
	return for_each_family(net, cid, ips, n, check_family, err);
}
