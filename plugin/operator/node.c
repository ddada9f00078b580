/* The snapshot of the node: networks, leases, bridge ports and their peers,
 * rules; and what of it is leaked. See op.h. */
#include "plugin/operator/op.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util/vec.h"

void op_node_error(struct op_node *node, const char *fmt, ...)
{
	char *msg = NULL, *joined = NULL;
	va_list ap;
	va_start(ap, fmt);
	int rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return;
	if (node->errors && asprintf(&joined, "%s; %s", node->errors, msg) >= 0) {
		free(node->errors);
		node->errors = joined;
		free(msg);
	} else if (!node->errors) {
		node->errors = msg;
	} else {
		free(msg);
	}
}

static void find_ports(const struct op_node *node, struct op_view *v)
{
	const struct op_ns *host = &node->k.ns[0];
	for (size_t i = 0; v->bridge && i < host->n_ifs; i++) {
		const struct op_iface *veth = &host->ifs[i];
		/* a veth whose netns is being torn down holds nothing to judge
		 * or collect: the kernel deletes it with the netns */
		if (veth->master != v->bridge->ifindex || strcmp(veth->kind, "veth") != 0 ||
		    veth->peer_gone)
			continue;
		struct op_port *p = array_push(&v->ports, &v->n_ports, NULL, sizeof(*p));
		if (!p)
			return;
		p->veth = veth;
		p->ns = op_kernel_peer_ns(&node->k, veth);
		p->peer = p->ns && veth->peer ? op_ns_iface(p->ns, NULL, veth->peer) : NULL;
	}
}

/* A lease is live when its address is on a bridge port's peer. */
static void match_leases(struct op_view *v)
{
	for (size_t i = 0; i < v->n_ports; i++) {
		const struct op_iface *peer = v->ports[i].peer;
		for (size_t a = 0; peer && a < peer->n_addrs; a++)
			for (size_t l = 0; l < v->n_leases; l++)
				if (cni_ip_equal(&peer->addrs[a].ip, &v->leases[l].ip)) {
					v->leases[l].live = true;
					v->leases[l].port = (int)i;
					v->ports[i].has_lease = true;
				}
	}
}

static void view_load(struct op_node *node, struct op_view *v, const struct op_opts *o, time_t now)
{
	struct cni_err e = {0};
	const struct op_iface *br = op_ns_iface(&node->k.ns[0], v->net->br.bridge, 0);
	v->bridge = br && strcmp(br->kind, "bridge") == 0 ? br : NULL;
	if (op_leases_read(v->net, now, o->min_age, &v->leases, &v->n_leases, &e) < 0)
		op_node_error(node, "network %s: %s", v->net->name, e.msg);
	find_ports(node, v);
	match_leases(v);
	for (size_t i = 0; i < v->n_ports; i++)
		if (!v->ports[i].peer && ++node->n_unfound)
			op_node_error(
			    node,
			    "network %s: the peer of %s is in a netns this command cannot "
			    "find, so its leases cannot be judged",
			    v->net->name, v->ports[i].veth->name);
	cni_err_clear(&e);
	if (op_rules_masq(v, &e) < 0)
		op_node_error(node, "network %s: listing masquerade rules: %s", v->net->name,
			      e.msg);
}

static int node_load_once(struct op_node *node, const struct op_opts *o, struct cni_err *err)
{
	time_t now = time(NULL);
	struct cni_err e = {0};
	memset(node, 0, sizeof(*node));
	if (op_nets_load(o->conf_dir, o->only, &node->nets, &node->n_nets, err) < 0 ||
	    op_kernel_load(&node->k, err) < 0)
		return -1;
	node->views = calloc(node->n_nets ? node->n_nets : 1, sizeof(*node->views));
	if (!node->views)
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	for (size_t i = 0; i < node->n_nets; i++) {
		node->views[i].net = &node->nets[i];
		if (node->nets[i].error)
			op_node_error(node, "%s", node->nets[i].error);
		else
			view_load(node, &node->views[i], o, now);
	}
	if (op_rules_spoof(node, !o->only, &e) < 0)
		op_node_error(node, "listing spoof-check chains: %s", e.msg);
	return 0;
}

int op_node_load(struct op_node *node, const struct op_opts *o, struct cni_err *err)
{
	const struct timespec pause = {0, 50 * 1000 * 1000};
	for (int waited = 0;; waited += 50) {
		if (node_load_once(node, o, err) < 0)
			return -1;
		if (!node->n_unfound || waited >= OP_UNFOUND_WAIT_MS)
			return 0;
		op_node_free(node);
		nanosleep(&pause, NULL);
	}
}

void op_node_free(struct op_node *node)
{
	for (size_t i = 0; node->views && i < node->n_nets; i++) {
		op_leases_free(node->views[i].leases, node->views[i].n_leases);
		free(node->views[i].ports);
		free(node->views[i].rules);
	}
	free(node->views);
	free(node->stray);
	free(node->errors);
	op_nets_free(node->nets, node->n_nets);
	op_kernel_free(&node->k);
	memset(node, 0, sizeof(*node));
}

/* Only a network whose every port peer was found can have its leases
 * judged: an address could be on a peer we cannot see. */
static bool judgeable(const struct op_view *v)
{
	if (!v->net->host_local)
		return false;
	for (size_t i = 0; i < v->n_ports; i++)
		if (!v->ports[i].peer)
			return false;
	return true;
}

/* A lease of an earlier boot cannot be an ADD in flight: --min-age does
 * not protect it. */
bool op_lease_leaked(const struct op_view *v, const struct op_lease *l)
{
	return !l->live && (l->earlier_boot || !l->young) && judgeable(v);
}

bool op_port_leaked(const struct op_view *v, const struct op_port *p)
{
	/* L2 networks and other IPAM plugins leave no lease to compare with */
	return v->net->host_local && p->peer && !p->has_lease;
}

bool op_rule_leaked(const struct op_view *v, const struct op_rule *r)
{
	return !v || (v->net->host_local && r->lease < 0);
}

bool op_attachment_leaked(const struct op_view *v, const struct op_lease *l)
{
	for (size_t i = 0; i < v->n_leases; i++) {
		const struct op_lease *o = &v->leases[i];
		if (strcmp(o->cid, l->cid) == 0 &&
		    (o->ifname == l->ifname ||
		     (o->ifname && l->ifname && strcmp(o->ifname, l->ifname) == 0)) &&
		    !op_lease_leaked(v, o))
			return false;
	}
	return true;
}

size_t op_leak_count(const struct op_node *node)
{
	size_t n = node->n_stray;
	for (size_t i = 0; i < node->n_nets; i++) {
		const struct op_view *v = &node->views[i];
		for (size_t j = 0; j < v->n_leases; j++)
			n += op_lease_leaked(v, &v->leases[j]);
		for (size_t j = 0; j < v->n_ports; j++)
			n += op_port_leaked(v, &v->ports[j]);
		for (size_t j = 0; j < v->n_rules; j++)
			n += op_rule_leaked(v, &v->rules[j]);
	}
	return n;
}
