/* macspoofchk GC over nftables netlink. See spoofchk_gc.h. */
#include "lib/nft/spoofchk_gc.h"

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/nft/nftnl_dl.h"
#include "lib/nft/expr.h" /* before the linux/ headers: it brings netinet/in.h */
#include "lib/names/names.h"
#include "lib/util/vec.h"
#include "lib/nft/nft.h"
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#define COMMENT_PREFIX "macspoofchk-"
#define NAME_MAX_NFT 256 /* NFT_CHAIN_MAXNAMELEN */

struct spoof_rule {
	char refid[NAME_MAX_NFT];
	char iifname[IFNAMSIZ];
	uint64_t handle;
	bool remove;
};

struct spoof_list {
	struct spoof_rule *v;
	size_t n, cap;
};

/* The name compared by "meta iifname" + "cmp eq" (nft pads it with NULs). */
static void iifname_of(const struct nftnl_rule *r, char out[IFNAMSIZ])
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	bool after_iifname = false;
	out[0] = '\0';
	while (it && (e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		if (strcmp(name, "meta") == 0) {
			after_iifname =
			    nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_IIFNAME;
		} else if (after_iifname && strcmp(name, "cmp") == 0) {
			uint32_t len = 0;
			const char *d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
			if (d) {
				len = len < IFNAMSIZ - 1 ? len : IFNAMSIZ - 1;
				memcpy(out, d, len);
				out[len] = '\0';
			}
			break;
		}
	}
	nftnl_expr_iter_destroy(it);
}

static int collect(const struct nftnl_rule *r, void *data, struct cni_err *err)
{
	struct spoof_list *l = data;
	char comment[NAME_MAX_NFT];
	nft_rule_comment(r, comment, sizeof(comment));
	if (strncmp(comment, COMMENT_PREFIX, strlen(COMMENT_PREFIX)) != 0)
		return 0;
	struct spoof_rule *s = array_push(&l->v, &l->n, &l->cap, sizeof(*s));
	if (!s)
		return cni_err_set(err, CNI_ERR_INTERNAL, "macspoofchk GC: out of memory");
	snprintf(s->refid, sizeof(s->refid), "%s", comment + strlen(COMMENT_PREFIX));
	iifname_of(r, s->iifname);
	s->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	s->remove = false;
	return 0;
}

/* First rule of refid at or after i? The chains go once per refid, with
 * the last of its rules (a chain can only go once nothing jumps to it,
 * and the kernel applies a batch in order). */
static bool last_of_refid(const struct spoof_list *l, size_t i)
{
	for (size_t k = i + 1; k < l->n; k++)
		if (strcmp(l->v[k].refid, l->v[i].refid) == 0)
			return false;
	return true;
}

static void queue_removal(struct nft_ctx *c, const struct spoof_list *l, size_t i)
{
	char chain[NAME_MAX_NFT + 32];
	nft_del_rule(c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, SPOOFCHK_BASE_CHAIN, l->v[i].handle);
	if (!last_of_refid(l, i))
		return;
	snprintf(chain, sizeof(chain), "cni-br-iface-%s", l->v[i].refid);
	nft_del_chain(c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, chain);
	snprintf(chain, sizeof(chain), "cni-br-iface-%s-mac", l->v[i].refid);
	nft_del_chain(c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, chain);
}

/* A refid is removed when keep() refuses any of its rules. */
static size_t decide(struct spoof_list *l, spoofchk_keep_fn keep, void *arg)
{
	size_t removed = 0;
	for (size_t i = 0; i < l->n; i++)
		l->v[i].remove = !keep(l->v[i].refid, l->v[i].iifname, arg);
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < l->n; k++)
			if (l->v[k].remove && strcmp(l->v[k].refid, l->v[i].refid) == 0)
				l->v[i].remove = true;
	for (size_t i = 0; i < l->n; i++)
		removed += l->v[i].remove && last_of_refid(l, i);
	return removed;
}

int spoofchk_gc(spoofchk_keep_fn keep, void *arg, size_t *removed, struct cni_err *err)
{
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct spoof_list l = {0};
	size_t n = 0;
	int rc = -1;

	if (removed)
		*removed = 0;
	if (nft_open(&c, err) < 0 || nft_dump_rules(&c, NFPROTO_BRIDGE, SPOOFCHK_TABLE,
						    SPOOFCHK_BASE_CHAIN, collect, &l, err) < 0)
		goto out;
	n = decide(&l, keep, arg);
	/* Both chains of a removed refid exist whenever its rule does: setup
	 * and teardown change all three in one transaction. */
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].remove)
			queue_removal(&c, &l, i);
	rc = nft_commit(&c, err);
	if (rc == 0 && removed)
		*removed = n;
out:
	free(l.v);
	return rc;
}
