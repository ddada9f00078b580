/* VLANs: the bridge's filtering switch, a container port's VLAN table and
 * the shared "<bridge>.<vid>" gateway pair (vlan.h). */
#include "plugin/bridge/vlan.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_bridge.h>
#include "plugin/bridge/steps.h"

#define VID_MAX 4094
#define UNTAGGED_PVID (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED)

static bool trunk_has(const struct bridge_conf *c, unsigned v)
{
	return c->vlan_trunk[v / 8] & (1u << (v % 8));
}

static bool trunk_any(const struct bridge_conf *c)
{
	for (size_t i = 0; i < sizeof(c->vlan_trunk); i++)
		if (c->vlan_trunk[i])
			return true;
	return false;
}

bool bridge_vlan_wanted(const struct bridge_conf *c)
{
	return c->vlan != 0 || c->vlan_trunk_given;
}

int bridge_vlan_unsupported(const struct bridge_conf *c, struct cni_err *err)
{
	char val[16];

	snprintf(val, sizeof(val), "%d", c->vlan);
	return cni_err_set(err, CNI_ERR_UNSUPPORTED_FIELD,
			   "unsupported field \"%s\": %s: this kernel has no bridge VLAN filtering "
			   "(built without CONFIG_BRIDGE_VLAN_FILTERING); run on a kernel that has "
			   "it (containers that tag frames themselves on a vlanTrunk also need the "
			   "8021q module) or remove the VLAN keys",
			   c->vlan ? "vlan" : "vlanTrunk", c->vlan ? val : "[...]");
}

int bridge_vlan_filtering(struct nl *host, const struct bridge_conf *c, struct nl_link *br,
			  struct cni_err *err)
{
	int rc;

	if (!bridge_vlan_wanted(c) || br->vlan_filtering == 1)
		return 0;
	/* Upstream only asks for filtering when it creates the bridge; an
	 * existing bridge without it would give the ports VLAN tables that
	 * nothing enforces. Ports already there keep VID 1, so they go on
	 * reaching each other and the bridge. */
	rc = nl_bridge_set_vlan_filtering(host, br->ifindex, true, c->bridge, err);
	if (rc == -EOPNOTSUPP)
		return bridge_vlan_unsupported(c, err);
	if (rc)
		return -1;
	br->vlan_filtering = 1;
	return 0;
}

/* The entries ADD sends, in upstream's order (a later entry for the same
 * VID overrides an earlier one's flags, in the kernel as in upstream's
 * one-call-per-VID loop). Returns how many; v holds VID_MAX + 2. */
static size_t port_entries(const struct bridge_conf *c, struct nl_vlan *v)
{
	size_t n = 0;

	if (c->vlan)
		v[n++] = (struct nl_vlan){(uint16_t)c->vlan, (uint16_t)c->vlan, UNTAGGED_PVID};
	for (unsigned vid = 1; vid <= VID_MAX; vid++) {
		if (!trunk_has(c, vid))
			continue;
		unsigned end = vid;
		while (end < VID_MAX && trunk_has(c, end + 1))
			end++;
		v[n++] = (struct nl_vlan){(uint16_t)vid, (uint16_t)end, 0};
		vid = end;
	}
	if (!c->vlan && trunk_any(c))
		v[n++] = (struct nl_vlan){1, 1, UNTAGGED_PVID};
	return n;
}

static int drop_all(struct nl *host, const struct nl_link *port, struct cni_err *err)
{
	struct nl_vlan *have = NULL;
	size_t n = 0;
	int rc = nl_port_vlan_list(host, port->ifindex, &have, &n, err);

	if (rc == 0 && n)
		rc = nl_port_vlan_change(host, port->ifindex, false, have, n, port->name, err);
	free(have);
	return rc;
}

int bridge_vlan_port(struct nl *host, const struct bridge_conf *c, const struct nl_link *port,
		     struct cni_err *err)
{
	struct nl_vlan *v;
	size_t n;
	int rc = 0;

	if (!c->vlan && !trunk_any(c))
		return 0;
	v = calloc(VID_MAX + 2, sizeof(*v));
	if (!v)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	n = port_entries(c, v);
	if (!c->preserve_default_vlan)
		rc = drop_all(host, port, err);
	if (rc == 0)
		rc = nl_port_vlan_change(host, port->ifindex, true, v, n, port->name, err);
	free(v);
	if (rc == -EOPNOTSUPP)
		return bridge_vlan_unsupported(c, err);
	return rc < 0 ? -1 : 0;
}

int bridge_vlan_gateway_name(const struct bridge_conf *c, char *name, struct cni_err *err)
{
	if (snprintf(name, IFNAMSIZ, "%s.%d", c->bridge, c->vlan) >= IFNAMSIZ)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "the VLAN gateway interface name \"%s.%d\" is longer than %d "
				   "bytes; use a shorter \"bridge\" name",
				   c->bridge, c->vlan, IFNAMSIZ - 1);
	return 0;
}

/* The pair's peer becomes a plain port of the VLAN, like a container's
 * without hairpin, isolation or trunk: vid as PVID untagged. */
static int attach_peer(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
		       const char *peer, struct cni_err *err)
{
	struct bridge_conf *pc = calloc(1, sizeof(*pc));
	struct nl_link port;
	int rc;

	if (!pc)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	snprintf(pc->bridge, sizeof(pc->bridge), "%s", c->bridge);
	pc->vlan = c->vlan;
	pc->preserve_default_vlan = c->preserve_default_vlan;
	rc = veth_attach_host_end(host, pc, br, peer, &port, err); /* VLANs too */
	free(pc);
	return rc;
}

/* Returns 0 (made), -EEXIST (a concurrent ADD made `name` first; err
 * untouched) or -1. */
static int make_gateway(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
			const char *name, struct cni_err *err)
{
	char peer[IFNAMSIZ];
	struct nl_veth_req req = {.name = name, .ns_fd = -1, .peer_name = peer, .mtu = br->mtu};
	struct nl_link l;
	int rc = -EEXIST;

	for (int i = 0; i < 10 && rc == -EEXIST; i++) {
		if (veth_random_name(peer, err) < 0)
			return -1;
		rc = nl_veth_create(host, &req, err);
		if (rc == -EEXIST && nl_link_get(host, name, 0, &l, err) == 0)
			return -EEXIST;
	}
	if (rc)
		return rc == -EEXIST ? cni_err_set(err, CNI_ERR_INTERNAL,
						   "failed to find a free veth name for %s", name)
				     : -1;
	if (attach_peer(host, c, br, peer, err) < 0 || nl_link_get(host, name, 0, &l, err) != 0 ||
	    nl_link_set_up(host, l.ifindex, name, err) < 0) {
		struct cni_err ignored = {0};
		if (!cni_err_isset(err))
			cni_err_set(err, CNI_ERR_INTERNAL, "%s vanished while being set up", name);
		if (nl_link_get(host, name, 0, &l, &ignored) == 0)
			nl_link_del(host, l.ifindex, name, &ignored);
		return -1;
	}
	return 0;
}

int bridge_vlan_gateway(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
			struct nl_link *gw, bool *created, struct cni_err *err)
{
	char name[IFNAMSIZ];
	int rc;

	*created = false;
	if (bridge_vlan_gateway_name(c, name, err) < 0)
		return -1;
	rc = nl_link_get(host, name, 0, gw, err);
	if (rc == -ENOENT) {
		rc = make_gateway(host, c, br, name, err);
		if (rc == -1)
			return -1;
		*created = rc == 0;
		rc = nl_link_get(host, name, 0, gw, err);
	}
	if (rc == -ENOENT)
		return cni_err_set(err, CNI_ERR_INTERNAL, "%s vanished right after it was created",
				   name);
	return rc ? -1 : 0;
}

static const char *vlan_flags(uint16_t f)
{
	return (f & UNTAGGED_PVID) == UNTAGGED_PVID ? "PVID untagged"
	       : f & BRIDGE_VLAN_INFO_PVID	    ? "PVID tagged"
	       : f & BRIDGE_VLAN_INFO_UNTAGGED	    ? "untagged"
						    : "tagged";
}

/* want[vid]: -1 = must be absent (or anything with preserveDefaultVlan),
 * else the flags. */
static int expected(const struct bridge_conf *c, int *want, struct cni_err *err)
{
	struct nl_vlan *v = calloc(VID_MAX + 2, sizeof(*v));
	size_t n;

	if (!v)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	n = port_entries(c, v);
	for (unsigned i = 0; i <= VID_MAX; i++)
		want[i] = -1;
	for (size_t i = 0; i < n; i++)
		for (unsigned vid = v[i].vid; vid <= v[i].vid_end; vid++)
			want[vid] = v[i].flags;
	free(v);
	return 0;
}

static int compare(const struct bridge_conf *c, const struct nl_link *port, const int *want,
		   const struct nl_vlan *have, size_t n, struct cni_err *err)
{
	bool seen[VID_MAX + 1] = {false};
	uint16_t mask = UNTAGGED_PVID;

	for (size_t i = 0; i < n; i++) {
		unsigned vid = have[i].vid;
		if (vid > VID_MAX)
			continue;
		seen[vid] = true;
		if (want[vid] == -1 && !c->preserve_default_vlan)
			return cni_err_set(err, CNI_ERR_INTERNAL,
					   "host veth %s carries VLAN %u (%s), which the config "
					   "does not give it",
					   port->name, vid, vlan_flags(have[i].flags));
		if (want[vid] != -1 && (have[i].flags & mask) != want[vid])
			return cni_err_set(err, CNI_ERR_INTERNAL,
					   "host veth %s: VLAN %u is %s, the config says %s",
					   port->name, vid, vlan_flags(have[i].flags),
					   vlan_flags((uint16_t)want[vid]));
	}
	for (unsigned vid = 1; vid <= VID_MAX; vid++)
		if (want[vid] != -1 && !seen[vid])
			return cni_err_set(err, CNI_ERR_INTERNAL, "host veth %s lacks VLAN %u (%s)",
					   port->name, vid, vlan_flags((uint16_t)want[vid]));
	return 0;
}

int bridge_vlan_check(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
		      const struct nl_link *port, struct cni_err *err)
{
	struct nl_vlan *have = NULL;
	int *want;
	size_t n = 0;
	int rc;

	if (!bridge_vlan_wanted(c))
		return 0;
	if (br->vlan_filtering != 1)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "bridge %s does not filter VLANs (vlan_filtering is off)",
				   br->name);
	if (!c->vlan && !trunk_any(c))
		return 0;
	want = calloc(VID_MAX + 1, sizeof(*want));
	if (!want)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	rc = expected(c, want, err);
	if (rc == 0)
		rc = nl_port_vlan_list(host, port->ifindex, &have, &n, err);
	if (rc == 0)
		rc = compare(c, port, want, have, n, err);
	free(have);
	free(want);
	return rc < 0 ? -1 : 0;
}
