/* nf_tables over netlink (libnftnl messages on a libmnl socket): one batch
 * (transaction) per plugin verb, applied atomically by the kernel, no `nft`
 * process. Everything acts on the network namespace of the calling thread
 * at nft_open() time: the host netns for our plugins' main thread.
 *
 * Usage:
 *	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
 *	nft_open(&c, err);            // socket + empty batch
 *	nft_dump_rules(&c, ...);      // optional reads, before or between batches
 *	nft_add_table(&c, ...); ...   // queue messages
 *	nft_commit(&c, err);          // send the batch, collect kernel errors
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/nft/nftnl_dl.h"
#include "lib/cni/error.h"

struct nft_ctx {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;	    /* seq of the next message */
	uint32_t batch_seq; /* seq of the open batch's BEGIN message */
	uint32_t query_seq; /* seqs of dumps and lookups: apart, so that a batch's
			     * messages stay numbered batch_seq + 1, + 2, ... */
	struct nftnl_batch *batch;
	char **what; /* what[seq - batch_seq]: a description for errors */
	size_t n_what;
	bool failed; /* out of memory while queueing: commit refuses */
};
#define NFT_CTX_INIT                                                                               \
	{                                                                                          \
		0                                                                                  \
	}

/* Opens the socket and starts an empty batch. Fills err (code 5) when
 * netlink or nf_tables is unavailable. */
int nft_open(struct nft_ctx *c, struct cni_err *err);
/* Releases everything; safe on a zeroed or half-opened ctx. Measured: after
 * a commit that deleted something, closing the socket waits for the
 * kernel's cleanup of the transaction (an RCU grace period: 5 ms on a
 * loaded 2-vCPU VM, 12-28 ms on the round-nine machine). Bridge DEL
 * therefore closes its socket only after the veth deletion, by when the
 * grace period has passed (plugin/bridge/del.c). An ADD that finds
 * postrouting intact deletes nothing and so does not wait
 * (lib/nft/nft_masq.c). */
void nft_close(struct nft_ctx *c);
/* Whether nft_open succeeded on c and nft_close has not run since. */
static inline bool nft_is_open(const struct nft_ctx *c)
{
	return c->nl != NULL;
}
/* Messages queued since the last commit. */
size_t nft_pending(const struct nft_ctx *c);
/* Sends the queued messages as one transaction and waits for the kernel's
 * verdict. Nothing is applied when any message fails; err then names the
 * first failing message and the errno (code 999, 11 for EBUSY/EAGAIN;
 * 5 when the socket itself fails).
 * A batch with no messages is not sent. Starts a new empty batch. */
int nft_commit(struct nft_ctx *c, struct cni_err *err);

/* Queue messages. All use NLM_F_CREATE without NLM_F_EXCL where they
 * create, so repeating them is harmless. comment may be NULL. */
void nft_add_table(struct nft_ctx *c, uint16_t family, const char *table, const char *comment);
/* A regular chain when type is NULL, else a base chain with that type,
 * hook and priority (policy accept). */
void nft_add_chain(struct nft_ctx *c, uint16_t family, const char *table, const char *chain,
		   const char *type, int hooknum, int prio, const char *comment);
void nft_flush_chain(struct nft_ctx *c, uint16_t family, const char *table, const char *chain);
void nft_del_chain(struct nft_ctx *c, uint16_t family, const char *table, const char *chain);
void nft_del_rule(struct nft_ctx *c, uint16_t family, const char *table, const char *chain,
		  uint64_t handle);
/* Appends r (family, table, chain and expressions set; see expr.h) and
 * frees it. what describes the rule for error messages. */
void nft_add_rule(struct nft_ctx *c, struct nftnl_rule *r, const char *what);

/* Calls cb for each rule of family/table/chain, in order, once a complete
 * and consistent listing is in (a listing interrupted by another process's
 * commit is repeated). A missing table or chain, or a kernel without
 * nf_tables, is an empty list. cb returns 0 to go on, -1 to stop with an
 * error it filled. The rule is only valid during the call. */
typedef int (*nft_rule_cb)(const struct nftnl_rule *r, void *data, struct cni_err *err);
int nft_dump_rules(struct nft_ctx *c, uint16_t family, const char *table, const char *chain,
		   nft_rule_cb cb, void *data, struct cni_err *err);

/* Family names as nft prints them, for messages. */
const char *nft_family_name(uint16_t family);

/* 1 when the chain exists, 0 when it (or its table) does not, -1 on error. */
int nft_chain_exists(struct nft_ctx *c, uint16_t family, const char *table, const char *chain,
		     struct cni_err *err);
/* Whether chain may exist in the nf_tables table ip (AF_INET) or ip6
 * (AF_INET6) "nat", where iptables-nft keeps its nat chains: false only
 * when netlink says it does not, true in doubt. Opens its own context.
 * The probe masq_ipt_teardown takes (lib/ipt/ipt_masq.h). */
bool nft_nat_chain_may_exist(int family, const char *chain);
