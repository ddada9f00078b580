/* IP masquerade with iptables, for hosts whose other tools expect it. Same
 * chain, rules and comments as the reference bridge (pkg/ip/ipmasq_iptables
 * _linux.go), so each plugin removes what the other made:
 *
 *	-t nat -N CNI-<24 hex of sha512(net + cid)>
 *	-A CNI-… -d <ip>/<prefix> -m comment --comment 'name: "<net>" id: "<cid>"' -j ACCEPT
 *	-A CNI-… ! -d 224.0.0.0/4 (ff00::/8) -m comment --comment … -j MASQUERADE
 *	-A POSTROUTING -s <ip> -m comment --comment … -j CNI-…
 *
 * Differences from the reference, on purpose: all ACCEPT rules of a family
 * come before its MASQUERADE rule (the reference interleaves them when a
 * container has two addresses of one family, so the second subnet gets
 * masqueraded); changes go through one `iptables-restore --noflush --wait`
 * (ip6tables-restore) batch per family instead of one process per rule;
 * teardown finds the POSTROUTING jumps by their target chain, so it needs
 * no addresses (the reference leaks them when the netns is gone, #810).
 *
 * Runs the tools from the calling thread (call from the host netns); the
 * tools are looked up in PATH. Errors: code 999 with the tool's stderr,
 * 5 when a tool cannot be run. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "lib/cni/conf.h"
#include "lib/cni/error.h"
#include "lib/cni/ipnet.h"

/* Creates (or rebuilds) the chain and the POSTROUTING jumps for ips. The
 * common case (a new chain) is one process per family; when the chain
 * exists already, an iptables-save lists the old jumps so that they are
 * replaced, not duplicated. */
int masq_ipt_setup(const char *net, const char *cid, const struct cni_ipnet *ips, size_t n,
		   struct cni_err *err);
/* Whether chain may exist in nf_tables' table ip/ip6 "nat" (where
 * iptables-nft keeps it): false only when it surely does not. The caller
 * supplies it (nft_nat_chain_may_exist), so lib/ipt needs no nftables. */
typedef bool masq_ipt_probe(int family, const char *chain);
/* Removes the chain and every POSTROUTING jump to it. ips only selects the
 * families to look at; n == 0 means both. Nothing to remove is success, as
 * is a family whose tools are missing. A family where the chain cannot
 * exist (no legacy nat table, and nft_may_exist says no) starts no
 * process; nft_may_exist NULL: always look. */
int masq_ipt_teardown(const char *net, const char *cid, const struct cni_ipnet *ips, size_t n,
		      masq_ipt_probe *nft_may_exist, struct cni_err *err);
/* 0 when the chain and a POSTROUTING jump for each address exist; else -1
 * with err (code 999) naming what is missing. */
int masq_ipt_check(const char *net, const char *cid, const struct cni_ipnet *ips, size_t n,
		   struct cni_err *err);
/* CNI GC: removes the chains and POSTROUTING jumps of network net (found by
 * their `name: "<net>"` comment) whose container is not in valid[]. The
 * reference only has a stub here. One listing and at most one batch per
 * family. */
int masq_ipt_gc(const char *net, const struct cni_attachment *valid, size_t n, struct cni_err *err);
/* Read-only, for `cni-bridge`: calls fn for each rule of network net (found
 * by its `name: "<net>"` comment) in the nat table of each usable family:
 * the CNI- chain it belongs to and the container ID in its comment. A
 * family whose tools are missing is skipped. */
typedef void masq_ipt_list_fn(int family, const char *chain, const char *cid, void *arg);
int masq_ipt_list(const char *net, masq_ipt_list_fn *fn, void *arg, struct cni_err *err);
/* Whether the tools of iptables (AF_INET) or ip6tables (AF_INET6) are in
 * PATH: teardown and GC skip a family without them. */
bool masq_ipt_usable(int family);
/* Whether iptables actually works here: the tools are in PATH and
 * `iptables-save -t filter` succeeds (it fails where the kernel has no
 * working iptables). Upstream v1.9.1's SupportsIPTables (pkg/utils/
 * netfilter.go:26) asks the same of `iptables -S INPUT 1`. One process. */
bool masq_ipt_works(int family);
