/* The ipMasq hook of the bridge verbs. Engineer E's masquerade layer plugs
 * in here; until then ipMasq=true is refused at config time, so these run
 * with ip_masq false and do nothing.
 * Host netns, main thread (they may exec iptables-restore or talk nftables). */
#pragma once
#include <stddef.h>
#include "conf.h"
#include "lib/cni/result.h"
#include "lib/cni/skel.h"
#include "lib/nl/nl.h"

/* ADD, after the gateways are on the bridge: masquerade every IP of ipam
 * (interface indexes already point at the container veth). */
int bridge_masq_add(const struct cni_request *req, const struct bridge_conf *c,
		    const struct cni_result *ipam, struct cni_err *err);
/* DEL (and ADD rollback): addrs are the container interface's global
 * addresses when it still existed (may be empty: match by comment). */
int bridge_masq_del(const struct cni_request *req, const struct bridge_conf *c,
		    const struct nl_addr *addrs, size_t n, struct cni_err *err);
