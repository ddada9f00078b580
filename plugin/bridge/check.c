/* CHECK: prevResult's bridge, host veth and container interface are still
 * what ADD made; then IPAM's own CHECK (L3 only: an L2 config has no IPAM to
 * ask, which the reference gets wrong). */
#include <errno.h>
#include <string.h>
#include "plugin/bridge/conf.h"
#include "plugin/bridge/netfilter.h"
#include "plugin/bridge/steps.h"
#include "plugin/bridge/verbs.h"
#include "plugin/bridge/vlan.h"
#include "lib/cni/conf.h"
#include "lib/ipam/ipam.h"

/* Which prevResult interfaces are the bridge and the container end. */
static int find_ifaces(const struct cni_request *req, const struct bridge_conf *c,
		       const struct cni_result *prev, int *br, int *ctr, struct cni_err *err)
{
	*br = *ctr = -1;
	for (size_t i = 0; i < prev->n_ifaces; i++) {
		const struct cni_iface *f = &prev->ifaces[i];
		if (!f->name)
			continue;
		if (!strcmp(f->name, c->bridge) && !f->sandbox)
			*br = (int)i;
		if (strcmp(f->name, req->env.ifname) || !f->sandbox)
			continue;
		if (strcmp(f->sandbox, req->env.netns))
			return cni_err_set(
			    err, CNI_ERR_INTERNAL,
			    "Sandbox in prevResult %s doesn't match configured netns: %s",
			    f->sandbox, req->env.netns);
		*ctr = (int)i;
	}
	if (*br < 0)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "prevResult has no interface for bridge %s", c->bridge);
	if (*ctr < 0)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "prevResult has no interface %s with sandbox %s",
				   req->env.ifname, req->env.netns);
	return 0;
}

static int mac_differs(const char *name, const struct nl_link *l, const char *want,
		       struct cni_err *err)
{
	uint8_t m[NL_MAC_LEN];
	char have[18];

	if (!want || (bridge_mac_parse(want, m) == 0 && !memcmp(m, l->mac, NL_MAC_LEN)))
		return 0;
	return cni_err_set(err, CNI_ERR_INTERNAL,
			   "%s MAC %s does not match the MAC in prevResult (%s)", name,
			   nl_mac_format(l->mac, l->mac_len, have), want);
}

static int check_bridge(struct nl *host, const struct bridge_conf *c, const struct cni_iface *f,
			struct nl_link *br, struct cni_err *err)
{
	int rc = nl_link_get(host, c->bridge, 0, br, err);

	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "CNI created bridge %s in host namespace was not found",
				   c->bridge);
	if (rc)
		return -1;
	if (strcmp(br->kind, "bridge"))
		return cni_err_set(err, CNI_ERR_INTERNAL, "%s is not a bridge", c->bridge);
	/* Only a bridge that carries the gateway has its MAC pinned (as
	 * upstream); any other follows its lowest port MAC, which the kernel
	 * changes whenever a container comes or goes, so comparing it would
	 * fail CHECK of every older container (upstream v1.9.1 does). */
	if (c->is_gw && !c->vlan && mac_differs(c->bridge, br, f->mac, err))
		return -1;
	if (c->promisc != !!(br->flags & IFF_PROMISC))
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "bridge %s promiscuous mode is %s, config says %s", c->bridge,
				   c->promisc ? "off" : "on", c->promisc ? "on" : "off");
	return 0;
}

static const char *on_off(bool b)
{
	return b ? "on" : "off";
}

/* The port flags ADD set from the config (the reference checks neither). */
static int check_port_flags(const struct bridge_conf *c, const struct nl_link *port,
			    struct cni_err *err)
{
	if (!!port->brport_mode != c->hairpin)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "host veth %s: hairpin is %s, config says hairpinMode %s",
				   port->name, on_off(port->brport_mode), on_off(c->hairpin));
	if (!!port->brport_isolated != c->port_isolation)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "host veth %s: isolated is %s, config says portIsolation %s",
				   port->name, on_off(port->brport_isolated),
				   on_off(c->port_isolation));
	return 0;
}

/* The host veth: a prevResult interface on the host that is the peer of the
 * container end and a port of the bridge, with the configured port flags. */
static int check_host_veth(struct nl *host, const struct bridge_conf *c,
			   const struct cni_result *prev, int br_i, int ctr_i,
			   const struct nl_link *br, int peer, struct cni_err *err)
{
	for (size_t i = 0; i < prev->n_ifaces; i++) {
		const struct cni_iface *f = &prev->ifaces[i];
		struct nl_link l;
		if ((int)i == br_i || (int)i == ctr_i || f->sandbox || !f->name)
			continue;
		int rc = nl_link_get(host, f->name, 0, &l, err);
		if (rc == -ENOENT)
			return cni_err_set(err, CNI_ERR_INTERNAL,
					   "interface %s from prevResult does not exist", f->name);
		if (rc)
			return -1;
		if (strcmp(l.kind, "veth") || l.ifindex != peer)
			continue;
		if (l.master != br->ifindex)
			return cni_err_set(err, CNI_ERR_INTERNAL,
					   "host veth %s is not attached to bridge %s", f->name,
					   br->name);
		if (mac_differs(f->name, &l, f->mac, err) || check_port_flags(c, &l, err) < 0)
			return -1;
		return bridge_vlan_check(host, c, br, &l, err);
	}
	return cni_err_set(err, CNI_ERR_INTERNAL, "CNI veth created for bridge %s was not found",
			   br->name);
}

static int check_steps(const struct cni_request *req, const struct bridge_conf *c,
		       const struct cni_result *prev, struct cni_err *err)
{
	struct netns ns = {.fd = -1};
	cleanup_nl struct nl host = {0};
	struct nl_link br;
	int br_i, ctr_i, rc;

	if (find_ifaces(req, c, prev, &br_i, &ctr_i, err) < 0)
		return -1;
	if (nl_open(&host, err) < 0 || check_bridge(&host, c, &prev->ifaces[br_i], &br, err) < 0)
		return -1;
	if (netns_open(req->env.netns, &ns, err) != NETNS_OK)
		return -1;
	struct ctr_check cc = {.ifname = req->env.ifname,
			       .mac = prev->ifaces[ctr_i].mac,
			       .prev = prev,
			       .iface = ctr_i};
	rc = ctr_check(&ns, &cc, err);
	netns_close(&ns);
	if (rc < 0)
		return -1;
	if (bridge_masq_check(req, c, prev, ctr_i, err) < 0 ||
	    bridge_spoofchk_check(req, c, prev->ifaces[ctr_i].mac, err) < 0)
		return -1;
	return check_host_veth(&host, c, prev, br_i, ctr_i, &br, cc.peer_ifindex, err);
}

int bridge_check(const struct cni_request *req, struct cni_err *err)
{
	struct bridge_conf c;
	struct cni_result prev = {0};
	int rc;

	if (bridge_conf_parse(req, &c, err) < 0)
		return -1;
	rc = cni_conf_prev_result(req, &prev, err);
	if (rc == 0)
		rc = cni_err_set(err, CNI_ERR_INVALID_CONFIG, "Required prevResult missing");
	else if (rc == 1)
		rc = check_steps(req, &c, &prev, err);
	if (rc == 0 && c.ipam_type)
		rc = ipam_exec_check(req, c.ipam_type, err);
	cni_result_free(&prev);
	bridge_conf_free(&c);
	return rc < 0 ? -1 : 0;
}
