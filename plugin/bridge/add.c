/* ADD: the reference's story with the same observable result, in fewer
 * kernel round trips, and undone completely when a step fails. */
#include "plugin/bridge/verbs.h"
#include <errno.h>
#include <string.h>
#include "plugin/bridge/conf.h"
#include "plugin/bridge/netfilter.h"
#include "plugin/bridge/steps.h"
#include "plugin/bridge/vlan.h"
#include "lib/cni/conf.h"
#include "lib/cni/version.h"
#include "lib/ipam/ipam.h"
#include "lib/cni/log.h"

struct add {
	const struct cni_request *req;
	struct bridge_conf conf;
	struct nl host, watch; /* watch: link notifications, see veth_wait_forwarding */
	struct netns ns;
	struct cni_result prev, ipam;
	bool has_prev, ipam_done, veth_made, masq_done, spoofchk_done;
	bool join_late;			/* see join_late() */
	bool has_vlan_gw, vlan_gw_made; /* isGateway with vlan: "<bridge>.<vid>" */
	struct nl_link vlan_gw;
	char host_name[IFNAMSIZ];
	struct nl_link br, port;
	struct nl_link br_now, gw_now; /* for the result: see look_up_bridge */
	struct bridge_gws gws;
	struct bridge_addrs br_addrs; /* the bridge's, before our veth joined */
	struct ctr_setup ctr;
};

/* A 0.1.0/0.2.0 result has no place for an interface without IP. */
static int refuse_l2_legacy(const struct add *a, struct cni_err *err)
{
	if (a->conf.ipam_type || cni_version_ge(a->req->version, "0.3.0"))
		return 0;
	return cni_err_set(err, CNI_ERR_VERSION,
			   "L2 mode (no ipam.type) cannot be expressed in a cniVersion %s result; "
			   "use cniVersion 0.3.0 or later, or configure ipam",
			   a->req->version);
}

static int ipam_add(struct add *a, struct cni_err *err)
{
	if (!a->conf.ipam_type)
		return 0;
	if (ipam_exec_add(a->req, a->conf.ipam_type, &a->ipam, err) < 0)
		return -1;
	a->ipam_done = true;
	if (a->ipam.n_ips == 0)
		return cni_err_set(err, CNI_ERR_INTERNAL, "IPAM plugin returned missing IP config");
	return bridge_calc_gateways(&a->conf, &a->ipam, 2, &a->gws, err);
}

/* With vlan the gateways go on "<bridge>.<vid>" instead of the bridge
 * (upstream's ensureVlanInterface); the address rules are the same, named
 * after that interface. */
static int gateways_on_bridge(struct add *a, struct cni_err *err)
{
	bool fam[2] = {false, false};
	const struct nl_link *on = &a->br;
	const struct bridge_conf *c = &a->conf;
	struct bridge_conf gc;

	if (a->conf.vlan && a->gws.n) {
		if (bridge_vlan_gateway(&a->host, &a->conf, &a->br, &a->vlan_gw, &a->vlan_gw_made,
					err) < 0)
			return -1;
		a->has_vlan_gw = true;
		gc = a->conf;
		snprintf(gc.bridge, sizeof(gc.bridge), "%s", a->vlan_gw.name);
		on = &a->vlan_gw, c = &gc;
	}
	for (size_t i = 0; i < a->gws.n; i++) {
		const struct bridge_addrs *seen = a->has_vlan_gw ? NULL : &a->br_addrs;
		if (bridge_ensure_addr(&a->host, c, on, &a->gws.v[i], seen, a->has_vlan_gw, err) <
		    0)
			return -1;
		fam[a->gws.v[i].ip.family == AF_INET6] = true;
	}
	if (fam[0] && bridge_enable_forwarding(AF_INET, err) < 0)
		return -1;
	if (fam[1] && bridge_enable_forwarding(AF_INET6, err) < 0)
		return -1;
	return 0;
}

static int masq(struct add *a, struct cni_err *err)
{
	if (!a->conf.ipam_type)
		return 0;
	if (bridge_masq_add(a->req, &a->conf, &a->ipam, err) < 0)
		return -1;
	a->masq_done = true;
	return 0;
}

/* The bridge's MAC for the result, once nothing of this ADD changes it.
 * A bridge follows its lowest port MAC unless pinned, so it may change
 * when our veth joins, and an isGateway ADD pinned it before the join (or
 * found it pinned by the ADD that added the gateway address). So the look
 * comes right after the join, rather than at the end as in the reference.
 * A port that joins before the container's link goes up is looked at
 * before that: once the link is up, the kernel's workers hold the RTNL
 * lock for the new port and the container's IPv6 set-up, and a GETLINK
 * waits for them (with 250 pods on the bridge, a good part of an ADD's
 * extra time, issue 14); a port that joins after it finds them done. A
 * VLAN gateway interface is made later, with the gateway steps:
 * look_up_vlan_gw. */
static int look_up_bridge(struct add *a, struct cni_err *err)
{
	if (nl_link_get(&a->host, NULL, a->br.ifindex, &a->br_now, err) != 0)
		return cni_err_isset(err) ? -1
					  : cni_err_set(err, CNI_ERR_INTERNAL, "bridge vanished");
	return 0;
}

static int look_up_vlan_gw(struct add *a, struct cni_err *err)
{
	if (a->has_vlan_gw && nl_link_get(&a->host, NULL, a->vlan_gw.ifindex, &a->gw_now, err) != 0)
		return cni_err_isset(err)
			   ? -1
			   : cni_err_set(err, CNI_ERR_INTERNAL, "%s vanished", a->vlan_gw.name);
	return 0;
}

/* A bridge's operstate is computed when its carrier changes; a new one has
 * carrier from birth, and when our port is forwarding before the kernel
 * ever saw it without carrier (the container's end went up first), the
 * bridge's carrier never changes and it stays UNKNOWN, where the
 * reference's slower ADD leaves it UP (t_bridge_reference). Our port
 * forwards, so the bridge's carrier is on: ask for UP. Only while it is
 * UNKNOWN, so once per new bridge. Best effort: UNKNOWN forwards like UP,
 * so a refusal is a warning, not a failed ADD. */
static void bridge_oper_up(struct add *a)
{
	struct cni_err e = {0};

	if (a->br_now.operstate == NL_OPER_UNKNOWN &&
	    nl_link_set_oper_up(&a->host, a->br.ifindex, a->conf.bridge, &e) < 0)
		cni_warn_err(&e, "ADD: bridge %s stays operstate UNKNOWN", a->conf.bridge);
	cni_err_clear(&e);
}

static int add_ifaces(struct add *a, struct cni_result *res, struct cni_err *err)
{
	char m[4][18];

	/* The host veth's MAC is the forwarding wait's last look, the last
	 * step (udev may rewrite it, reference #805). */
	nl_mac_format(a->br_now.mac, a->br_now.mac_len, m[0]);
	nl_mac_format(a->port.mac, a->port.mac_len, m[1]);
	nl_mac_format(a->ctr.mac, NL_MAC_LEN, m[2]);
	if (cni_result_add_iface(res, a->conf.bridge, m[0], NULL, err) < 0 ||
	    cni_result_add_iface(res, a->host_name, m[1], NULL, err) < 0 ||
	    cni_result_add_iface(res, a->req->env.ifname, m[2], a->req->env.netns, err) < 0)
		return -1;
	/* Listed after the container's, as upstream, so IPs keep index 2. */
	if (!a->has_vlan_gw)
		return 0;
	return cni_result_add_iface(
	    res, a->gw_now.name, nl_mac_format(a->gw_now.mac, a->gw_now.mac_len, m[3]), NULL, err);
}

/* A prevResult is carried forward (spec): ours is appended to it. */
static int build_result(struct add *a, struct cni_result *res, struct cni_err *err)
{
	int base = 0;

	if (a->has_prev) {
		if (cni_result_copy(res, &a->prev, err) < 0)
			return -1;
		base = (int)res->n_ifaces;
	}
	if (add_ifaces(a, res, err) < 0)
		return -1;
	for (size_t i = 0; i < a->ipam.n_ips; i++) {
		struct cni_ipconf ip = a->ipam.ips[i];
		ip.iface = base + 2;
		if (cni_result_add_ip(res, &ip, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < a->ipam.n_routes; i++)
		if (cni_result_add_route(res, &a->ipam.routes[i], err) < 0)
			return -1;
	const struct cni_dns *dns = a->conf.has_dns		   ? &a->conf.dns
				    : cni_dns_is_set(&a->ipam.dns) ? &a->ipam.dns
								   : NULL;
	if (dns) {
		cni_dns_free(&res->dns);
		if (cni_dns_copy(&res->dns, dns, err) < 0)
			return -1;
	}
	return 0;
}

/* Whether the host end joins the bridge only after the container's side is
 * set up. With accept_dad=0 written before the link goes up (the
 * reference's order), the container's link-local address is valid as soon
 * as the link has carrier, and the kernel sends its router solicitation
 * and MLD reports at once, from a worker holding the RTNL lock: a port
 * already on the bridge floods them to every pod, and the rest of the ADD
 * waits on that lock (with 250 pods, about 1.5 ms per ADD on the bench
 * machine, issue 14). Joining after them leaves every setting and address
 * as the reference's; what differs is that those first packets stop at
 * the host end (the kernel repeats the reports within a second, and a
 * solicitation after rtr_solicit_interval). Not with DAD (enabledad, L2
 * mode: DAD must see the bridge), VLANs (the port's VLANs are set before
 * it ever forwards) or a container end that stays down (no carrier). */
static bool join_late(const struct bridge_conf *c)
{
	return c->ipam_type && !c->enable_dad && !bridge_vlan_wanted(c) &&
	       !c->disable_container_iface;
}

/* The host end as a configured port, and the bridge MAC for the result:
 * the MAC follows the lowest port's unless pinned, so it is read once our
 * veth has joined. */
static int host_end_on_bridge(struct add *a, struct cni_err *err)
{
	if (a->join_late && veth_join(&a->host, &a->br, a->host_name, err) < 0)
		return -1;
	if (veth_config_host_end(&a->host, &a->conf, a->host_name, err) < 0)
		return -1;
	return look_up_bridge(a, err);
}

static int add_steps(struct add *a, struct cni_result *res, struct cni_err *err)
{
	int prev;

	if (refuse_l2_legacy(a, err) < 0)
		return -1;
	if (a->conf.vlan && a->conf.is_gw && a->conf.ipam_type) {
		char name[IFNAMSIZ];
		if (bridge_vlan_gateway_name(&a->conf, name, err) < 0)
			return -1;
	}
	prev = cni_conf_prev_result(a->req, &a->prev, err);
	if (prev < 0)
		return -1;
	a->has_prev = prev == 1;
	if (netns_open(a->req->env.netns, &a->ns, err) != NETNS_OK)
		return -1;
	if (nl_open(&a->host, err) < 0 || bridge_ensure(&a->host, &a->conf, &a->br, err) < 0)
		return -1;
	if (ipam_add(a, err) < 0)
		return -1;
	if (a->gws.n && !a->conf.vlan &&
	    bridge_pin_before_join(&a->host, &a->conf, &a->br, &a->gws, &a->br_addrs, err) < 0)
		return -1;
	a->join_late = join_late(&a->conf);
	if (veth_create(&a->host, &a->ns, a->req->env.ifname, &a->conf, &a->br, !a->join_late,
			a->host_name, err) < 0)
		return -1;
	a->veth_made = true;
	if (!a->join_late && host_end_on_bridge(a, err) < 0)
		return -1;
	if (!a->conf.disable_container_iface && !a->join_late &&
	    veth_watch_open(&a->watch, err) < 0)
		return -1;
	a->ctr.conf = &a->conf;
	a->ctr.ifname = a->req->env.ifname;
	a->ctr.ipam = a->conf.ipam_type ? &a->ipam : NULL;
	a->ctr.await_lladdr = a->join_late;
	if (ctr_setup(&a->ns, &a->ctr, err) < 0)
		return -1;
	if (bridge_spoofchk_add(a->req, &a->conf, a->host_name, a->ctr.mac, err) < 0)
		return -1;
	a->spoofchk_done = true;
	if (gateways_on_bridge(a, err) < 0 || look_up_vlan_gw(a, err) < 0)
		return -1;
	if (masq(a, err) < 0)
		return -1;
	/* As late as it gets: what the container's kernel says in the
	 * meantime (its MLD reports are repeated a jiffy after the link went
	 * up) stays off the bridge too. */
	if (a->join_late && host_end_on_bridge(a, err) < 0)
		return -1;
	/* A disabled container end never gives the port carrier: one look
	 * (for its MAC) instead of the wait. */
	if (a->conf.disable_container_iface) {
		int rc = nl_link_get(&a->host, a->host_name, 0, &a->port, err);
		if (rc == -ENOENT)
			return cni_err_set(err, CNI_ERR_INTERNAL, "host veth %s vanished",
					   a->host_name);
		if (rc)
			return -1;
	} else if (veth_wait_forwarding(&a->host, &a->watch, a->host_name, &a->port, err) < 0) {
		return -1;
	} else {
		bridge_oper_up(a);
	}
	return build_result(a, res, err);
}

/* Undo in reverse; the first error stays the one reported, and a step
 * that fails here is a warning (stderr and logFile), so a leaked rule,
 * veth or lease leaves a trace. A bridge we created stays: other
 * containers may share it by now. A "<bridge>.<vid>" this ADD made goes
 * (a concurrent ADD of the same VLAN that found it in the meantime would
 * lose its gateway: a narrow window, taken so that a failed ADD leaves no
 * VLAN state); one that was there stays. */
static void rollback(struct add *a)
{
	struct nft_ctx nft __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct cni_err e = {0};
	struct nl_link l;

	if (a->masq_done && bridge_masq_del(a->req, &a->conf, NULL, 0, &nft, &e) < 0)
		cni_warn_err(&e, "ADD rollback: removing the masquerade rules");
	cni_err_clear(&e);
	if (a->spoofchk_done && bridge_spoofchk_del(a->req, &a->conf, &nft, &e) < 0)
		cni_warn_err(&e, "ADD rollback: removing the spoof-check rules");
	cni_err_clear(&e);
	if (a->vlan_gw_made && nl_link_del(&a->host, a->vlan_gw.ifindex, a->vlan_gw.name, &e) == -1)
		cni_warn_err(&e, "ADD rollback: deleting %s", a->vlan_gw.name);
	cni_err_clear(&e);
	/* -ENOENT from the lookup (veth gone already) leaves e unset: no warning */
	if (a->veth_made && (nl_link_get(&a->host, a->host_name, 0, &l, &e) != 0 ||
			     nl_link_del(&a->host, l.ifindex, a->host_name, &e) < 0))
		cni_warn_err(&e, "ADD rollback: deleting veth %s", a->host_name);
	cni_err_clear(&e);
	if (a->ipam_done && ipam_exec_del(a->req, a->conf.ipam_type, &e) < 0)
		cni_warn_err(&e, "ADD rollback: releasing the IPAM allocation");
}

int bridge_add(const struct cni_request *req, struct cni_result *res, struct cni_err *err)
{
	struct add a = {.req = req, .ns = {.fd = -1}};
	int rc;

	if (bridge_conf_parse(req, &a.conf, err) < 0)
		return -1;
	rc = add_steps(&a, res, err);
	if (rc < 0)
		rollback(&a);
	nl_close(&a.host);
	nl_close(&a.watch);
	netns_close(&a.ns);
	cni_result_free(&a.ipam);
	cni_result_free(&a.prev);
	bridge_addrs_free(&a.br_addrs);
	bridge_conf_free(&a.conf);
	return rc;
}
