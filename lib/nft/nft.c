/* nf_tables transport: batches and rule dumps. See nft.h. */
#include "lib/nft/nft.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include "lib/nft/nftnl_dl.h"
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include "lib/util/vec.h"

const char *nft_family_name(uint16_t family)
{
	switch (family) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	case NFPROTO_BRIDGE:
		return "bridge";
	default:
		return "?";
	}
}

/* Records what the message with the next seq does, for error messages. */
static void note_what(struct nft_ctx *c, const char *fmt, ...)
{
	size_t idx = c->seq - c->batch_seq;
	while (c->n_what <= idx) { /* NULL for the messages not noted */
		if (!array_push(&c->what, &c->n_what, NULL, sizeof(*c->what))) {
			c->failed = true;
			return;
		}
	}
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&c->what[idx], fmt, ap) < 0) {
		c->what[idx] = NULL;
		c->failed = true;
	}
	va_end(ap);
}

static void free_what(struct nft_ctx *c)
{
	for (size_t i = 0; i < c->n_what; i++)
		free(c->what[i]);
	free(c->what);
	c->what = NULL;
	c->n_what = 0;
}

/* The free space at the batch's tail, zeroed: libmnl 1.0.4 leaves the
 * alignment padding after attributes unwritten (harmless to the kernel,
 * but valgrind reports it, and we keep the tests valgrind-clean). The tail
 * always has the overrun size (MNL_SOCKET_BUFFER_SIZE) free, because
 * nftnl_batch_update() starts a new page once a page is full. */
static char *batch_tail(struct nft_ctx *c)
{
	char *tail = nftnl_batch_buffer(c->batch);
	memset(tail, 0, MNL_SOCKET_BUFFER_SIZE);
	return tail;
}

static int batch_start(struct nft_ctx *c)
{
	if (c->batch)
		nftnl_batch_free(c->batch);
	free_what(c);
	c->failed = false;
	c->batch = nftnl_batch_alloc(MNL_SOCKET_BUFFER_SIZE, MNL_SOCKET_BUFFER_SIZE);
	if (!c->batch)
		return -1;
	c->batch_seq = c->seq;
	nftnl_batch_begin(batch_tail(c), c->seq++);
	nftnl_batch_update(c->batch);
	return 0;
}

int nft_open(struct nft_ctx *c, struct cni_err *err)
{
	memset(c, 0, sizeof(*c));
	if (nftnl_dl_load(err) < 0)
		return -1;
	c->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!c->nl)
		return cni_err_errno(err, CNI_ERR_IO, errno,
				     "nftables: cannot open netlink socket");
	if (mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		nft_close(c);
		return cni_err_errno(err, CNI_ERR_IO, e, "nftables: cannot bind netlink socket");
	}
	c->portid = mnl_socket_get_portid(c->nl);
	c->seq = 1;
	c->query_seq = 1u << 31;
	if (batch_start(c) < 0) {
		nft_close(c);
		return cni_err_set(err, CNI_ERR_IO, "nftables: out of memory");
	}
	return 0;
}

void nft_close(struct nft_ctx *c)
{
	if (c->batch)
		nftnl_batch_free(c->batch);
	c->batch = NULL;
	free_what(c);
	if (c->nl)
		mnl_socket_close(c->nl);
	c->nl = NULL;
}

size_t nft_pending(const struct nft_ctx *c)
{
	return c->n_what ? c->n_what - 1 : 0;
}

/* Starts one message of the batch; the caller adds the payload, then
 * calls msg_end(). */
static struct nlmsghdr *msg_begin(struct nft_ctx *c, uint16_t type, uint16_t family, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(batch_tail(c), type, family, flags, c->seq++);
}

static void msg_end(struct nft_ctx *c)
{
	if (nftnl_batch_update(c->batch) < 0)
		c->failed = true;
}

/* A table's or chain's comment as nft stores it (a udata TLV of type);
 * NULL without a comment or memory. nftnl_udata_buf_free takes NULL. */
static struct nftnl_udata_buf *comment_udata(uint8_t type, const char *comment)
{
	struct nftnl_udata_buf *u =
	    comment ? nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 8) : NULL;

	if (u && !nftnl_udata_put_strz(u, type, comment)) {
		nftnl_udata_buf_free(u);
		return NULL;
	}
	return u;
}

void nft_add_table(struct nft_ctx *c, uint16_t family, const char *table, const char *comment)
{
	struct nftnl_table *t = nftnl_table_alloc();
	if (!t) {
		c->failed = true;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	struct nftnl_udata_buf *u = comment_udata(NFTNL_UDATA_TABLE_COMMENT, comment);
	if (u)
		nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(u),
				     nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	note_what(c, "add table %s %s", nft_family_name(family), table);
	struct nlmsghdr *nlh = msg_begin(c, NFT_MSG_NEWTABLE, family, NLM_F_CREATE | NLM_F_ACK);
	nftnl_table_nlmsg_build_payload(nlh, t);
	msg_end(c);
	nftnl_table_free(t);
}

static struct nftnl_chain *chain_new(const char *table, const char *chain)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();
	if (ch) {
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, table);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, chain);
	}
	return ch;
}

void nft_add_chain(struct nft_ctx *c, uint16_t family, const char *table, const char *chain,
		   const char *type, int hooknum, int prio, const char *comment)
{
	struct nftnl_chain *ch = chain_new(table, chain);
	if (!ch) {
		c->failed = true;
		return;
	}
	if (type) {
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, (uint32_t)hooknum);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	struct nftnl_udata_buf *u = comment_udata(NFTNL_UDATA_CHAIN_COMMENT, comment);
	if (u)
		nftnl_chain_set_data(ch, NFTNL_CHAIN_USERDATA, nftnl_udata_buf_data(u),
				     nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	note_what(c, "add chain %s %s %s", nft_family_name(family), table, chain);
	struct nlmsghdr *nlh = msg_begin(c, NFT_MSG_NEWCHAIN, family, NLM_F_CREATE | NLM_F_ACK);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	msg_end(c);
	nftnl_chain_free(ch);
}

void nft_flush_chain(struct nft_ctx *c, uint16_t family, const char *table, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r) {
		c->failed = true;
		return;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	note_what(c, "flush chain %s %s %s", nft_family_name(family), table, chain);
	struct nlmsghdr *nlh = msg_begin(c, NFT_MSG_DELRULE, family, NLM_F_ACK);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	msg_end(c);
	nftnl_rule_free(r);
}

void nft_del_chain(struct nft_ctx *c, uint16_t family, const char *table, const char *chain)
{
	struct nftnl_chain *ch = chain_new(table, chain);
	if (!ch) {
		c->failed = true;
		return;
	}
	note_what(c, "delete chain %s %s %s", nft_family_name(family), table, chain);
	struct nlmsghdr *nlh = msg_begin(c, NFT_MSG_DELCHAIN, family, NLM_F_ACK);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	msg_end(c);
	nftnl_chain_free(ch);
}

void nft_del_rule(struct nft_ctx *c, uint16_t family, const char *table, const char *chain,
		  uint64_t handle)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r) {
		c->failed = true;
		return;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	note_what(c, "delete rule %s %s %s handle %llu", nft_family_name(family), table, chain,
		  (unsigned long long)handle);
	struct nlmsghdr *nlh = msg_begin(c, NFT_MSG_DELRULE, family, NLM_F_ACK);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	msg_end(c);
	nftnl_rule_free(r);
}

void nft_add_rule(struct nft_ctx *c, struct nftnl_rule *r, const char *what)
{
	if (!r) {
		c->failed = true;
		return;
	}
	uint16_t family = (uint16_t)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY);
	note_what(c, "add rule %s %s %s %s", nft_family_name(family),
		  nftnl_rule_get_str(r, NFTNL_RULE_TABLE), nftnl_rule_get_str(r, NFTNL_RULE_CHAIN),
		  what);
	struct nlmsghdr *nlh =
	    msg_begin(c, NFT_MSG_NEWRULE, family, NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	msg_end(c);
	nftnl_rule_free(r);
}

/* Reads the replies to messages first..last. Each message carries
 * NLM_F_ACK, so the kernel answers each with an ack or an error; it handles
 * the whole batch inside sendmsg(), so the answers are already queued.
 * After the first error the rest is drained without blocking. */
static int read_acks(struct nft_ctx *c, uint32_t first, uint32_t last, struct cni_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t expected = last - first + 1, got = 0;
	int first_errno = 0;
	uint32_t bad_seq = 0;
	while (got < expected) {
		ssize_t n = recv(mnl_socket_get_fd(c->nl), buf, sizeof(buf),
				 first_errno ? MSG_DONTWAIT : 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && first_errno)
			break;
		if (n < 0)
			return cni_err_errno(err, CNI_ERR_IO, errno, "nftables: reading replies");
		int len = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < first ||
			    h->nlmsg_seq > last)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			got++;
			if (e->error && !first_errno) {
				first_errno = -e->error;
				bad_seq = h->nlmsg_seq;
			}
		}
	}
	if (!first_errno)
		return 0;
	size_t idx = bad_seq - c->batch_seq;
	const char *what = idx < c->n_what && c->what[idx] ? c->what[idx] : "batch";
	/* The kernel refused a change: not an I/O failure, so the generic
	 * plugin-failure code the reference also returns. */
	unsigned code =
	    first_errno == EBUSY || first_errno == EAGAIN ? CNI_ERR_TRY_AGAIN : CNI_ERR_INTERNAL;
	return cni_err_errno(err, code, first_errno, "nftables: %s", what);
}

static int send_batch(struct nft_ctx *c, struct cni_err *err)
{
	int iovlen = nftnl_batch_iovec_len(c->batch);
	struct iovec iov[iovlen];
	nftnl_batch_iovec(c->batch, iov, (uint32_t)iovlen);
	struct sockaddr_nl snl = {.nl_family = AF_NETLINK};
	struct msghdr msg = {.msg_name = &snl,
			     .msg_namelen = sizeof(snl),
			     .msg_iov = iov,
			     .msg_iovlen = (size_t)iovlen};
	if (sendmsg(mnl_socket_get_fd(c->nl), &msg, 0) < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "nftables: sending the batch");
	return 0;
}

int nft_commit(struct nft_ctx *c, struct cni_err *err)
{
	int rc = 0;
	if (c->failed) {
		rc = cni_err_set(err, CNI_ERR_IO, "nftables: out of memory building the batch");
	} else if (nft_pending(c) > 0) {
		uint32_t first = c->batch_seq + 1, last = c->seq - 1;
		nftnl_batch_end(batch_tail(c), c->seq++);
		nftnl_batch_update(c->batch);
		rc = send_batch(c, err);
		if (rc == 0)
			rc = read_acks(c, first, last, err);
	}
	if (batch_start(c) < 0 && rc == 0)
		rc = cni_err_set(err, CNI_ERR_IO, "nftables: out of memory");
	return rc;
}
