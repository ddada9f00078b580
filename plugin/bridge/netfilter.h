/* The bridge verbs' netfilter steps: ipMasq (lib/nft or lib/ipt) and
 * macspoofchk (lib/nft). Host netns, main thread: they may exec
 * iptables-restore or talk nftables over netlink.
 *
 * Backend (ipMasqBackend): "nftables" or "iptables"; without the key, as
 * the reference: iptables when its tools are in PATH, else nftables. DEL
 * and rollback remove the rules of both backends, so a node that switched
 * backend or binary leaks nothing. */
#pragma once
#include <stddef.h>
#include "plugin/bridge/conf.h"
#include "lib/cni/result.h"
#include "lib/cni/skel.h"
#include "lib/nft/nft.h"
#include "lib/nl/nl.h"

/* ADD, after the gateways are on the bridge: masquerade every IP of ipam
 * (interface indexes already point at the container veth). */
int bridge_masq_add(const struct cni_request *req, const struct bridge_conf *c,
		    const struct cni_result *ipam, struct cni_err *err);
/* DEL (and ADD rollback): addrs are the container interface's global
 * addresses when it still existed (may be empty: the rules are found by
 * comment hash and chain name, so an empty CNI_NETNS or a vanished netns
 * still removes them: the reference's issue #810). The nftables rules go
 * over nft, opened here unless the caller did and left open for the caller
 * to close: the close waits for the kernel to free them. */
int bridge_masq_del(const struct cni_request *req, const struct bridge_conf *c,
		    const struct nl_addr *addrs, size_t n, struct nft_ctx *nft,
		    struct cni_err *err);
/* CHECK: the configured backend's rules exist for prev's container IPs
 * (those whose interface is ctr_iface). */
int bridge_masq_check(const struct cni_request *req, const struct bridge_conf *c,
		      const struct cni_result *prev, int ctr_iface, struct cni_err *err);

/* GC: with ipMasq on, removes the masquerade rules (both backends) of this
 * network whose attachment is not in cni.dev/valid-attachments; nothing
 * without that list. Reads only ipMasq from the config (GC has no
 * container, so bridge_conf_parse's CNI_ARGS handling does not apply).
 * Both backends run even when one fails; the errors are joined. */
int bridge_masq_gc(const struct cni_request *req, struct cni_err *err);
/* GC (gc_spoofchk.c): with macspoofchk on, removes the spoof-check rules
 * and chains of attachments not in the list whose host veth is a port of
 * this network's bridge ("bridge", default cni0) or no longer exists. */
int bridge_spoofchk_gc(const struct cni_request *req, struct cni_err *err);

/* macspoofchk (no-ops unless c->macspoofchk). ADD after the veth exists:
 * frames from host_ifname must carry the container's mac. */
int bridge_spoofchk_add(const struct cni_request *req, const struct bridge_conf *c,
			const char *host_ifname, const uint8_t mac[6], struct cni_err *err);
/* nft as for bridge_masq_del */
int bridge_spoofchk_del(const struct cni_request *req, const struct bridge_conf *c,
			struct nft_ctx *nft, struct cni_err *err);
/* CHECK: mac is prevResult's container MAC (NULL: only the rules' presence). */
int bridge_spoofchk_check(const struct cni_request *req, const struct bridge_conf *c,
			  const char *mac, struct cni_err *err);
