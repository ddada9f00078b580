/* CNI GC for the iptables backend. See ipt_masq.h. */
#include "lib/ipt/ipt_masq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "lib/ipt/ipt_save.h"
#include "lib/ipt/ipt_tools.h"

/* The quoted comment prefix `"name: \"<net>\" id: ` as iptables-save
 * prints the comments of network net. */
static int net_comment_prefix(const char *net, char *out, size_t size, struct cni_err *err)
{
	struct ipt_names nm;
	if (ipt_names_for(net, "", &nm, err) < 0)
		return -1;
	/* nm.comment ends with the quoted empty id: \"\"" (5 bytes). */
	size_t len = strlen(nm.comment) - 5;
	if (len + 1 > size)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "iptables: network name too long");
	memcpy(out, nm.comment, len);
	out[len] = '\0';
	return 0;
}

struct gc_keep {
	const char *prefix;
	const char *const *keep;
	size_t n_keep;
};

/* An ipt_nat_edit_fn: removes the network's chains not listed in keep. */
static size_t write_gc(struct strbuf *b, const char *save, const void *arg)
{
	const struct gc_keep *k = arg;
	return ipt_save_write_gc(b, save, k->prefix, k->keep, k->n_keep);
}

int masq_ipt_gc(const char *net, const struct cni_attachment *valid, size_t n, struct cni_err *err)
{
	static const int families[] = {AF_INET, AF_INET6};
	char prefix[1024];
	char(*chains)[MASQ_IPT_CHAIN_LEN + 1] = calloc(n ? n : 1, sizeof(*chains));
	const char **keep = calloc(n ? n : 1, sizeof(*keep));
	int rc = -1;
	if (!chains || !keep) {
		cni_err_set(err, CNI_ERR_IO, "iptables: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		masq_ipt_chain(net, valid[i].container_id, chains[i]);
		keep[i] = chains[i];
	}
	if (net_comment_prefix(net, prefix, sizeof(prefix), err) < 0)
		goto out;
	const struct gc_keep k = {prefix, keep, n};
	rc = 0;
	for (size_t i = 0; rc == 0 && i < 2; i++) {
		struct cni_err fam = {0};
		if (!masq_ipt_usable(families[i]))
			continue;
		/* As upstream v1.9.1 GCIPMasqForNetwork: an iptables error
		 * counts only where iptables works at all. */
		if (ipt_nat_edit(families[i], write_gc, &k, &fam) < 0 &&
		    masq_ipt_works(families[i]))
			rc = cni_err_join(err, &fam);
	}
out:
	free(chains);
	free(keep);
	return rc;
}

struct list_ctx {
	int family;
	masq_ipt_list_fn *fn;
	void *arg;
};

static void list_one(const char *chain, const char *cid, void *arg)
{
	const struct list_ctx *l = arg;
	l->fn(l->family, chain, cid, l->arg);
}

int masq_ipt_list(const char *net, masq_ipt_list_fn *fn, void *arg, struct cni_err *err)
{
	static const int families[] = {AF_INET, AF_INET6};
	char prefix[1024];
	if (net_comment_prefix(net, prefix, sizeof(prefix), err) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++) {
		struct list_ctx l = {families[i], fn, arg};
		char *save = NULL;
		if (!masq_ipt_usable(families[i]))
			continue;
		if (ipt_save_nat(families[i], &save, err) < 0)
			return -1;
		ipt_save_each_owned(save, prefix, list_one, &l);
		free(save);
	}
	return 0;
}
