/* The netfilter objects of each network's attachments, listed with the
 * plugins' own code (lib/nft, lib/ipt) and matched to leases by the
 * reference's names (lib/names/names.h). See op.h. */
#include "plugin/operator/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "lib/ipt/ipt_masq.h"
#include "lib/nft/nft_masq.h"
#include "lib/names/names.h"
#include "lib/nft/spoofchk_gc.h"
#include "lib/util/vec.h"

static struct op_rule *rule_add(struct op_rule **v, size_t *n, enum op_rule_kind kind,
				const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].kind == kind && strcmp((*v)[i].key, key) == 0)
			return &(*v)[i];
	struct op_rule *r = array_push(v, n, NULL, sizeof(*r));
	if (!r)
		return NULL;
	r->kind = kind;
	r->lease = -1;
	snprintf(r->key, sizeof(r->key), "%s", key);
	return r;
}

/* "<hash>, net: <net>, if: <ifname>, id: <cid>" (the id may be cut). */
static void nft_rule(const char *comment, void *arg)
{
	struct op_view *v = arg;
	char hash[MASQ_NFT_INSTANCE_HASH_LEN + 1];
	const char *ifn = strstr(comment, ", if: "), *id = strstr(comment, ", id: ");
	snprintf(hash, sizeof(hash), "%s", comment);
	struct op_rule *r = rule_add(&v->rules, &v->n_rules, OP_RULE_NFT, hash);
	if (!r)
		return;
	r->count++;
	if (ifn && id && id > ifn + 6 && (size_t)(id - ifn - 6) < sizeof(r->ifname)) {
		memcpy(r->ifname, ifn + 6, (size_t)(id - ifn - 6));
		r->ifname[id - ifn - 6] = '\0';
		snprintf(r->cid, sizeof(r->cid), "%s", id + 6);
	}
	for (size_t i = 0; i < v->n_leases && r->lease < 0; i++) {
		char want[MASQ_NFT_INSTANCE_HASH_LEN + 1];
		const struct op_lease *l = &v->leases[i];
		if (!l->ifname)
			continue;
		masq_nft_instance_hash(v->net->name, l->ifname, l->cid, want);
		if (strcmp(want, hash) == 0)
			r->lease = (int)i;
	}
}

static void ipt_rule(int family, const char *chain, const char *cid, void *arg)
{
	struct op_view *v = arg;
	struct op_rule *r = rule_add(&v->rules, &v->n_rules, OP_RULE_IPT, chain);
	if (!r)
		return;
	r->count++;
	r->families |= family == AF_INET ? 1 : 2;
	snprintf(r->cid, sizeof(r->cid), "%s", cid);
	for (size_t i = 0; i < v->n_leases && r->lease < 0; i++) {
		char want[MASQ_IPT_CHAIN_LEN + 1];
		masq_ipt_chain(v->net->name, v->leases[i].cid, want);
		if (strcmp(want, chain) == 0)
			r->lease = (int)i;
	}
}

int op_rules_masq(struct op_view *v, struct cni_err *err)
{
	struct cni_err e2 = {0};
	int rc = masq_nft_list(v->net->name, nft_rule, v, err);
	if (masq_ipt_list(v->net->name, ipt_rule, v, &e2) < 0)
		rc = cni_err_join(err, &e2);
	return rc;
}

struct spoof_ctx {
	struct op_node *node;
	bool strays;
};

/* Whose is a spoof-check refid "<cid>-<ifname>"? A lease's with that cid
 * and ifname; else the network whose bridge its veth is a port of; else,
 * when that veth is gone, no network's (a stray). */
static bool attribute(const char *refid, const char *veth, void *arg)
{
	struct spoof_ctx *c = arg;
	struct op_node *node = c->node;
	const struct op_iface *link = *veth ? op_ns_iface(&node->k.ns[0], veth, 0) : NULL;
	struct op_view *owner = NULL;
	int lease = -1;
	for (size_t i = 0; i < node->n_nets && lease < 0; i++) {
		struct op_view *v = &node->views[i];
		for (size_t j = 0; j < v->n_leases && lease < 0; j++) {
			const struct op_lease *l = &v->leases[j];
			size_t cl = strlen(l->cid);
			if (l->ifname && strncmp(refid, l->cid, cl) == 0 && refid[cl] == '-' &&
			    strcmp(refid + cl + 1, l->ifname) == 0)
				owner = v, lease = (int)j;
		}
		if (!owner && link && v->bridge && link->master == v->bridge->ifindex)
			owner = v;
	}
	struct op_rule *r = NULL;
	if (owner)
		r = rule_add(&owner->rules, &owner->n_rules, OP_RULE_SPOOF, refid);
	else if (!link && c->strays)
		r = rule_add(&node->stray, &node->n_stray, OP_RULE_SPOOF, refid);
	if (r) {
		r->count++;
		r->lease = lease;
		snprintf(r->veth, sizeof(r->veth), "%s", veth);
	}
	return true; /* listing only: keep everything */
}

int op_rules_spoof(struct op_node *node, bool strays, struct cni_err *err)
{
	struct spoof_ctx c = {node, strays};
	return spoofchk_gc(attribute, &c, NULL, err);
}
