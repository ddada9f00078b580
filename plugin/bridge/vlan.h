/* VLANs on the bridge (vlan, vlanTrunk, preserveDefaultVlan), as upstream
 * v1.9.1 does them: VLAN filtering on the bridge, the container's port
 * gets `vlan` as PVID (egress untagged) and the trunk's VIDs tagged, the
 * default VLAN leaves the port unless preserveDefaultVlan; with isGateway
 * the gateway lives on a veth pair "<bridge>.<vid>" in the host netns whose
 * peer is a port of that VLAN. Host netns, main thread. A kernel without
 * CONFIG_BRIDGE_VLAN_FILTERING gets code 2 naming the missing feature. */
#pragma once
#include <stdbool.h>
#include "plugin/bridge/conf.h"
#include "lib/nl/nl.h"

/* Any VLAN key that turns on VLAN filtering (upstream: vlan != 0 or a
 * vlanTrunk key, even empty). */
bool bridge_vlan_wanted(const struct bridge_conf *c);

/* Code 2: the key, its value and the kernel feature this kernel lacks. */
int bridge_vlan_unsupported(const struct bridge_conf *c, struct cni_err *err);

/* ADD: VLAN filtering on an existing bridge *br (no-op unless wanted or
 * already on); br->vlan_filtering is updated. */
int bridge_vlan_filtering(struct nl *host, const struct bridge_conf *c, struct nl_link *br,
			  struct cni_err *err);

/* ADD: the port's VLAN table for a container port: default VLAN removed
 * (unless preserveDefaultVlan), vlan as PVID untagged, trunk VIDs tagged,
 * VID 1 as PVID untagged for a trunk without vlan. No-op without VLANs. */
int bridge_vlan_port(struct nl *host, const struct bridge_conf *c, const struct nl_link *port,
		     struct cni_err *err);

/* ADD with isGateway and vlan: finds or makes "<bridge>.<vid>" (up, its
 * peer a port of br with vid as PVID) and fills *gw. *created tells the
 * rollback whether this ADD made it. */
int bridge_vlan_gateway(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
			struct nl_link *gw, bool *created, struct cni_err *err);
/* "<bridge>.<vid>" into name (IFNAMSIZ); code 7 if that is too long. */
int bridge_vlan_gateway_name(const struct bridge_conf *c, char *name, struct cni_err *err);

/* CHECK: the bridge filters VLANs and the port's VLAN table is what ADD
 * made (with preserveDefaultVlan, other VIDs are tolerated). */
int bridge_vlan_check(struct nl *host, const struct bridge_conf *c, const struct nl_link *br,
		      const struct nl_link *port, struct cni_err *err);
