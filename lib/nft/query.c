/* nf_tables reads: rule dumps and chain lookups. See nft.h.
 *
 * A dump that runs while another process commits a transaction comes back
 * flagged NLM_F_DUMP_INTR (possibly inconsistent). libmnl turns that flag
 * into an error mid-stream, so the replies are collected here first and
 * only handed to the caller once a complete, consistent dump is in;
 * otherwise the dump is repeated. Replies with another seq (left over from
 * an earlier request) are skipped. */
#include "lib/nft/nft.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include "lib/nft/nftnl_dl.h"
#include <linux/netfilter.h>
#include "lib/util/strbuf.h"
#include <linux/netfilter/nf_tables.h>

#define DUMP_ATTEMPTS 20

struct replies {
	struct strbuf msgs; /* whole data messages, back to back */
	int kernel_errno;   /* from an NLMSG_ERROR reply, 0 = none */
	bool interrupted;
};

/* Handles one received datagram; returns 1 when the reply is complete. */
static int take(struct replies *r, char *chunk, int len, uint32_t seq)
{
	for (struct nlmsghdr *h = (struct nlmsghdr *)chunk; mnl_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len)) {
		if (h->nlmsg_seq != seq)
			continue;
		if (h->nlmsg_flags & NLM_F_DUMP_INTR)
			r->interrupted = true;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			r->kernel_errno = -e->error;
			return 1;
		}
		if (strbuf_add(&r->msgs, h, h->nlmsg_len) < 0)
			return -1;
	}
	return 0;
}

/* Sends req and collects its replies. 0 or -1 with err (socket trouble);
 * a kernel error is left in r->kernel_errno. */
static int query(struct nft_ctx *c, struct nlmsghdr *req, struct replies *r, const char *what,
		 struct cni_err *err)
{
	char chunk[MNL_SOCKET_BUFFER_SIZE];
	int done = 0;
	memset(r, 0, sizeof(*r));
	if (mnl_socket_sendto(c->nl, req, req->nlmsg_len) < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "nftables: %s", what);
	while (!done) {
		ssize_t n = recv(mnl_socket_get_fd(c->nl), chunk, sizeof(chunk), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cni_err_errno(err, CNI_ERR_IO, errno, "nftables: %s", what);
		done = take(r, chunk, (int)n, req->nlmsg_seq);
		if (done < 0)
			return cni_err_set(err, CNI_ERR_IO, "nftables: %s: out of memory", what);
	}
	return 0;
}

static int run_callbacks(const struct replies *r, nft_rule_cb cb, void *data, struct cni_err *err)
{
	int len = (int)r->msgs.len;
	for (const struct nlmsghdr *h = (const struct nlmsghdr *)r->msgs.p; mnl_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len)) {
		struct nftnl_rule *rule = nftnl_rule_alloc();
		int rc;
		if (!rule || nftnl_rule_nlmsg_parse(h, rule) < 0) {
			nftnl_rule_free(rule);
			return cni_err_set(err, CNI_ERR_IO, "nftables: cannot parse a rule");
		}
		rc = cb(rule, data, err);
		nftnl_rule_free(rule);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static struct nlmsghdr *rules_request(char *buf, uint32_t seq, uint16_t family, const char *table,
				      const char *chain)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, family, NLM_F_DUMP, seq);
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r)
		return NULL;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return nlh;
}

int nft_dump_rules(struct nft_ctx *c, uint16_t family, const char *table, const char *chain,
		   nft_rule_cb cb, void *data, struct cni_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[300];
	struct replies r = {0};
	int rc = -1;

	snprintf(what, sizeof(what), "listing %s %s %s", nft_family_name(family), table, chain);
	for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		memset(buf, 0, sizeof(buf)); /* see batch_tail() in nft.c */
		struct nlmsghdr *req = rules_request(buf, c->query_seq++, family, table, chain);
		strbuf_free(&r.msgs);
		if (!req)
			return cni_err_set(err, CNI_ERR_IO, "nftables: out of memory");
		if (query(c, req, &r, what, err) < 0)
			goto out;
		if (!r.interrupted)
			break;
	}
	if (r.interrupted) {
		rc = cni_err_set(err, CNI_ERR_TRY_AGAIN,
				 "nftables: %s: the ruleset kept changing during %d attempts", what,
				 DUMP_ATTEMPTS);
	} else if (r.kernel_errno == ENOENT || r.kernel_errno == EOPNOTSUPP) {
		/* No such table or chain, or no nf_tables in this kernel at
		 * all: either way there are no rules. */
		rc = 0;
	} else if (r.kernel_errno) {
		rc = cni_err_errno(err, CNI_ERR_IO, r.kernel_errno, "nftables: %s", what);
	} else {
		rc = run_callbacks(&r, cb, data, err);
	}
out:
	strbuf_free(&r.msgs);
	return rc;
}

int nft_chain_exists(struct nft_ctx *c, uint16_t family, const char *table, const char *chain,
		     struct cni_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[300];
	struct replies r;
	int rc;

	memset(buf, 0, sizeof(buf)); /* see batch_tail() in nft.c */
	snprintf(what, sizeof(what), "looking up chain %s %s %s", nft_family_name(family), table,
		 chain);
	struct nlmsghdr *req =
	    nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, family, NLM_F_ACK, c->query_seq++);
	struct nftnl_chain *ch = nftnl_chain_alloc();
	if (!ch)
		return cni_err_set(err, CNI_ERR_IO, "nftables: out of memory");
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, chain);
	nftnl_chain_nlmsg_build_payload(req, ch);
	nftnl_chain_free(ch);
	if (query(c, req, &r, what, err) < 0) {
		strbuf_free(&r.msgs);
		return -1;
	}
	/* The chain comes back as a message, then the ack (error 0). */
	if (r.kernel_errno == ENOENT || r.kernel_errno == EOPNOTSUPP)
		rc = 0;
	else if (r.kernel_errno)
		rc = cni_err_errno(err, CNI_ERR_IO, r.kernel_errno, "nftables: %s", what);
	else
		rc = r.msgs.len > 0;
	strbuf_free(&r.msgs);
	return rc;
}

bool nft_nat_chain_may_exist(int family, const char *chain)
{
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct cni_err ignored = {0};

	if (nft_open(&c, &ignored) < 0)
		return true;
	return nft_chain_exists(&c, family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6, "nat", chain,
				&ignored) != 0;
}
