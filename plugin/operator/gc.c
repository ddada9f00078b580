/* `cni-bridge gc`: releases what `leaks` lists, through the plugins' own
 * code: host-local's DEL (host_local_del) for an attachment all of whose leases
 * leaked, host-local's store for a single lease, the bridge DEL's rule
 * teardowns (lib/nft, lib/ipt), the bridge GC's spoof-check collector
 * (spoofchk_gc), and a link delete for a veth. See op.h. */
#include "plugin/operator/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/ipt/ipt_masq.h"
#include "lib/nft/nft_masq.h"
#include "lib/names/names.h"
#include "lib/nft/spoofchk_gc.h"
#include "lib/util/vec.h"
#include "plugin/host-local/verbs.h"
#include "plugin/host-local/store.h"

struct gc_run {
	struct op_node *node;
	struct cni_err err; /* every failure, joined */
	size_t done;
	const char **spoof; /* refids to remove */
	size_t n_spoof;
};

static void failed(struct gc_run *g, struct cni_err *e)
{
	cni_err_join(&g->err, e);
	cni_err_clear(e);
}

/* One lease, only while it still has the owner the snapshot saw. */
static int release_one(const struct op_net *net, const struct op_lease *l, struct cni_err *err)
{
	struct hl_store s;
	char owner[600];
	if (hl_store_open_locked(&s, net->hl.data_dir, net->hl.name, err) < 0)
		return -1;
	const struct hl_lease *hl = hl_index_get(&s.index, l->file);
	snprintf(owner, sizeof(owner), "%s%s%s", l->cid, l->ifname ? "\r\n" : "",
		 l->ifname ? l->ifname : "");
	if (hl && hl->live && strcmp(hl->owner, owner) == 0)
		hl_store_release_ip(&s, &l->ip);
	hl_store_close(&s);
	return 0;
}

/* host-local's DEL for (cid, ifname) on this network's config. */
static int del_attachment(const struct op_net *net, const struct op_lease *l, struct cni_err *err)
{
	struct cni_request req = net->req;
	req.env.container_id = l->cid;
	req.env.ifname = l->ifname;
	return host_local_del(&req, err);
}

static bool first_leaked_of_owner(const struct op_view *v, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(v->leases[j].cid, v->leases[i].cid) == 0 && v->leases[j].ifname &&
		    v->leases[i].ifname && strcmp(v->leases[j].ifname, v->leases[i].ifname) == 0)
			return false;
	return true;
}

static void gc_leases(struct gc_run *g, const struct op_view *v)
{
	struct cni_err e = {0};
	for (size_t i = 0; i < v->n_leases; i++) {
		const struct op_lease *l = &v->leases[i];
		if (!op_lease_leaked(v, l))
			continue;
		if (l->ifname && *l->cid && op_attachment_leaked(v, l)) {
			if (first_leaked_of_owner(v, i) && del_attachment(v->net, l, &e) < 0)
				failed(g, &e);
		} else if (release_one(v->net, l, &e) < 0) {
			failed(g, &e);
		}
		g->done++;
	}
}

/* A rule goes when it is leaked itself, or belongs to an attachment whose
 * leases all leaked (what the plugins' DEL would remove with them). */
static bool rule_goes(const struct op_view *v, const struct op_rule *r)
{
	if (op_rule_leaked(v, r))
		return true;
	return v && r->lease >= 0 && op_lease_leaked(v, &v->leases[r->lease]) &&
	       op_attachment_leaked(v, &v->leases[r->lease]);
}

static void gc_rule(struct gc_run *g, const struct op_view *v, const struct op_rule *r)
{
	struct cni_err e = {0};
	char chain[MASQ_IPT_CHAIN_LEN + 1];
	if (r->kind == OP_RULE_NFT) {
		if (masq_nft_teardown_hash(r->key, &e) < 0)
			failed(g, &e);
	} else if (r->kind == OP_RULE_IPT) {
		masq_ipt_chain(v->net->name, r->cid, chain);
		if (strcmp(chain, r->key) != 0)
			cni_err_set(&e, CNI_ERR_INTERNAL,
				    "iptables chain %s: its comment's container ID %s does not "
				    "name it; remove it by hand",
				    r->key, r->cid);
		else
			masq_ipt_teardown(v->net->name, r->cid, NULL, 0, NULL, &e);
		if (cni_err_isset(&e))
			failed(g, &e);
	} else {
		const char **s = array_push(&g->spoof, &g->n_spoof, NULL, sizeof(*s));
		if (s)
			*s = r->key;
	}
	g->done += op_rule_leaked(v, r);
}

static bool keep_spoof(const char *refid, const char *veth, void *arg)
{
	const struct gc_run *g = arg;
	(void)veth;
	for (size_t i = 0; i < g->n_spoof; i++)
		if (strcmp(g->spoof[i], refid) == 0)
			return false;
	return true;
}

static void gc_view(struct gc_run *g, const struct op_view *v)
{
	struct cni_err e = {0};
	for (size_t i = 0; i < v->n_rules; i++)
		if (rule_goes(v, &v->rules[i]))
			gc_rule(g, v, &v->rules[i]);
	gc_leases(g, v);
	for (size_t i = 0; i < v->n_ports; i++) {
		const struct op_port *p = &v->ports[i];
		if (!op_port_leaked(v, p))
			continue;
		if (op_kernel_link_del(p->veth->ifindex, p->veth->name, &e) < 0)
			failed(g, &e);
		g->done++;
	}
}

int op_cmd_gc(const struct op_opts *o)
{
	struct op_node node;
	struct cni_err err = {0};
	struct gc_run g = {.node = &node};
	if (op_node_load(&node, o, &err) < 0) {
		fprintf(stderr, "cni-bridge: %s\n", err.msg);
		op_node_free(&node);
		return 2;
	}
	size_t n = op_leak_count(&node);
	op_print_leaks(&node, o->json, o->dry_run ? "WOULD RELEASE" : "RELEASING");
	int rc = node.errors ? 2 : 0;
	if (o->dry_run) {
		op_node_free(&node);
		return rc ? rc : n ? 1 : 0;
	}
	for (size_t i = 0; i < node.n_nets; i++)
		gc_view(&g, &node.views[i]);
	for (size_t i = 0; i < node.n_stray; i++)
		gc_rule(&g, NULL, &node.stray[i]);
	if (g.n_spoof && spoofchk_gc(keep_spoof, &g, NULL, &err) < 0)
		failed(&g, &err);
	if (cni_err_isset(&g.err)) {
		fprintf(stderr, "cni-bridge: gc: %s\n", g.err.msg);
		rc = 2;
	}
	if (!o->json)
		fprintf(stderr, "cni-bridge: gc: %zu of %zu leaked objects released\n", g.done, n);
	free(g.spoof);
	op_node_free(&node);
	return rc;
}
