/* IP masquerade over nftables netlink, with the reference's objects, so a
 * node can switch between the reference bridge and ours in either way:
 *
 *	table inet cni_plugins_masquerade {
 *		chain masq_checks { ip saddr <ip> ip daddr != <subnet> masquerade
 *		                    comment "<h16(net)>-<h16(if:cid)>, net: ..." }
 *		chain postrouting { type nat hook postrouting priority srcnat;
 *		                    ip daddr 224.0.0.0/4 return
 *		                    ip6 daddr ff00::/8 return
 *		                    goto masq_checks }
 *	}
 *
 * Each call opens its own netlink socket in the calling thread's netns
 * (call from the host netns), and changes state with one transaction:
 * either all of it applies or none. Errors: code 999 when the kernel
 * refuses (11 for EBUSY/EAGAIN), 5 when netlink fails; the message names
 * the object and the errno. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "lib/nft/nft.h"
#include "lib/cni/conf.h"
#include "lib/cni/error.h"
#include "lib/cni/ipnet.h"

/* Ensures table and chains, replaces this attachment's rules with one rule
 * per address in ips (the address with its prefix, e.g. 10.1.0.5/16).
 * Repeating it does not duplicate rules. postrouting is flushed and
 * rewritten only when its rules differ from the three above; left as it is
 * otherwise (a flush would cost an RCU grace period). */
int masq_nft_setup(const char *net, const char *ifname, const char *cid,
		   const struct cni_ipnet *ips, size_t n, struct cni_err *err);
/* Deletes the rules whose comment starts with this attachment's hash. Needs
 * no addresses (works after the container netns is gone); a missing table,
 * or a kernel without nftables, is success. */
int masq_nft_teardown(const char *net, const char *ifname, const char *cid, struct cni_err *err);
/* The same over c, which it opens unless the caller did, and leaves open.
 * Closing a socket whose batch deleted rules waits for the kernel to free
 * them (an RCU grace period); a caller with slower work of its own, such
 * as DEL's veth deletion, closes c after it and so does not wait. */
int masq_nft_teardown_on(struct nft_ctx *c, const char *net, const char *ifname, const char *cid,
			 struct cni_err *err);
/* The same by the attachment's hash alone (masq_nft_instance_hash, the
 * first MASQ_NFT_INSTANCE_HASH_LEN bytes of its rules' comments): how
 * `cni-bridge gc` removes rules whose comment was cut before the ID. */
int masq_nft_teardown_hash(const char *instance_hash, struct cni_err *err);
/* Read-only, for `cni-bridge`: calls fn with the comment of each masquerade
 * rule of network net, in chain order. A missing table is no rule. */
typedef void masq_nft_list_fn(const char *comment, void *arg);
int masq_nft_list(const char *net, masq_nft_list_fn *fn, void *arg, struct cni_err *err);
/* 0 when this attachment has a masquerade rule for the source address of
 * each of ips, else -1 with err (code 999) naming the first one missing. */
int masq_nft_check(const char *net, const char *ifname, const char *cid,
		   const struct cni_ipnet *ips, size_t n, struct cni_err *err);
/* Whether nf_tables can be spoken to here (a netfilter netlink socket
 * opens and binds): upstream's SupportsNFTables for the backend choice. */
bool masq_nft_usable(void);
/* Deletes the rules of network net whose attachment is not in valid[]
 * (CNI GC). */
int masq_nft_gc(const char *net, const struct cni_attachment *valid, size_t n, struct cni_err *err);
