/* The bridge plugin's configuration, parsed and validated once per verb.
 * Strings are borrowed from req->conf unless noted. */
#pragma once
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "lib/cni/error.h"
#include "lib/cni/result.h"
#include "lib/cni/skel.h"

struct bridge_conf {
	char bridge[IFNAMSIZ]; /* default "cni0" */
	bool is_gw;	       /* isGateway (forced on by isDefaultGateway) */
	bool is_default_gw;    /* isDefaultGateway */
	bool force_address;    /* forceAddress */
	bool hairpin;	       /* hairpinMode */
	bool promisc;	       /* promiscMode */
	bool enable_dad;       /* enabledad */
	unsigned mtu;	       /* 0 = kernel default */
	const char *ipam_type; /* NULL = L2 mode */
	bool has_dns; /* dns set as upstream dnsConfSet (a list given, even empty, or a domain):
			 replaces IPAM's */
	struct cni_dns dns; /* owned: bridge_conf_free */
	bool has_mac;	    /* container MAC from CNI_ARGS / args / runtimeConfig */
	uint8_t mac[6];

	bool ip_masq;		      /* ipMasq (netfilter.c) */
	const char *ipmasq_backend;   /* "iptables" | "nftables" | NULL = detect */
	bool macspoofchk;	      /* macspoofchk (netfilter.c) */
	bool port_isolation;	      /* portIsolation: "isolated" flag on the port */
	bool disable_container_iface; /* disableContainerInterface: container end stays down (L2) */

	/* VLAN keys (vlan.c acts on them). The trunk's VIDs are a bitmap:
	 * overlapping entries collapse, as upstream's collectVlanTrunk does. */
	int vlan;		      /* 0 = none */
	bool vlan_trunk_given;	      /* "vlanTrunk" present, even empty: VLAN filtering on */
	size_t n_vlan_trunk;	      /* entries as written */
	uint8_t vlan_trunk[4096 / 8]; /* bit v: VID v is tagged on the port */
	bool preserve_default_vlan;
};

/* Reads every key of reference section 2.1 from req->conf with the Go
 * decoder's habits, CNI_ARGS (MAC, IgnoreUnknown), args.cni.mac and
 * runtimeConfig.mac (later wins). Errors: 6 wrong JSON type, 7 invalid value
 * (the first one found), 999 bad CNI_ARGS (as the reference). On error *c
 * is freed; on success the caller frees it with bridge_conf_free. */
int bridge_conf_parse(const struct cni_request *req, struct bridge_conf *c, struct cni_err *err);
/* The same for DEL, where invalid values (code 7: a bridge name, MTU, MAC,
 * VLAN range, backend name or key combination ADD would refuse) are
 * ignored: a conflist edited into something ADD refuses must not keep DEL
 * from releasing leases and rules (the reference only fails ADD for most
 * of them). The fields such a value would fill keep their defaults. Wrong
 * JSON types and bad CNI_ARGS still fail, as in the reference. */
int bridge_conf_parse_for_del(const struct cni_request *req, struct bridge_conf *c,
			      struct cni_err *err);
void bridge_conf_free(struct bridge_conf *c);

/* Go net.ParseMAC for the 6-byte forms: aa:bb:cc:dd:ee:ff, aa-bb-..., and
 * aabb.ccdd.eeff. Returns 0 or -1. */
int bridge_mac_parse(const char *s, uint8_t mac[6]);
