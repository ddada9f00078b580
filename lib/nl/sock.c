/* NETLINK_ROUTE transport: open, request/ack, dumps with NLM_F_DUMP_INTR
 * retry, extended-ack messages for readable errors. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include "lib/nl/msg.h"

#define NL_DUMP_RETRIES 5

/* Per thread: the worker and the main thread may talk at the same time. */
static __thread char ext_msg[256];

const char *nl_ext_msg(void)
{
	return ext_msg;
}

int nl_open(struct nl *nl, struct cni_err *err)
{
	int one = 1;

	nl->seq = 0;
	nl->mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->mnl)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "cannot open netlink socket");
	/* Best effort: older kernels simply give no text. */
	mnl_socket_setsockopt(nl->mnl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->mnl, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Dumps filtered by the kernel (an address dump of one ifindex) instead
	 * of every link's entries sent and dropped here: on a node with
	 * hundreds of ports the reply would grow with them. Older kernels
	 * ignore the filter; the callbacks filter too. */
	mnl_socket_setsockopt(nl->mnl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (mnl_socket_bind(nl->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl->mnl);
		nl->mnl = NULL;
		return cni_err_errno(err, CNI_ERR_INTERNAL, e, "cannot bind netlink socket");
	}
	nl->portid = mnl_socket_get_portid(nl->mnl);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl && nl->mnl) {
		mnl_socket_close(nl->mnl);
		nl->mnl = NULL;
	}
}

struct nlmsghdr *nl_msg_start(struct nl *nl, char *buf, int type, int flags, size_t hdr_len)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, NL_REQ_BUF);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	mnl_nlmsg_put_extra_header(nlh, hdr_len);
	return nlh;
}

struct ext_buf {
	char *s;
	size_t len;
};

static int extack_attr_cb(const struct nlattr *a, void *data)
{
	struct ext_buf *e = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(e->s, e->len, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

int nl_parse_ack(const struct nlmsghdr *nlh, char *ext, size_t ext_len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct ext_buf eb = {ext, ext_len};
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	if (e->error && ext && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
		mnl_attr_parse(nlh, off, extack_attr_cb, &eb);
	}
	return e->error;
}

/* Returns the (negative) errno of an NLMSG_ERROR, 0 for an ack. */
static int parse_error(const struct nlmsghdr *nlh)
{
	return nl_parse_ack(nlh, ext_msg, sizeof(ext_msg));
}

/* Reads replies to seq until the ack/error/DONE, or (single) until the one
 * reply of a GET sent without NLM_F_ACK. *intr is set when the kernel
 * flagged the dump as inconsistent. */
static int receive(struct nl *nl, unsigned seq, mnl_cb_t cb, void *data, int *intr, bool single)
{
	char buf[32768]; /* what libmnl advises for dumps */
	int cb_rc = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->mnl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue; /* a stale answer to an abandoned request */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = 1;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int rc = parse_error(nlh);
				return rc ? rc : cb_rc;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				return cb_rc;
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE || !cb || *intr || cb_rc)
				continue;
			if (cb(nlh, data) < 0)
				cb_rc = errno ? -errno : -EINVAL;
			if (single)
				return cb_rc;
		}
	}
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int intr = 0, rc;

	ext_msg[0] = '\0';
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->mnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	rc = receive(nl, nlh->nlmsg_seq, cb, data, &intr, false);
	return rc ? rc : intr ? -EINTR : 0;
}

int nl_get(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int intr = 0;

	ext_msg[0] = '\0';
	nlh->nlmsg_flags &= ~(unsigned)NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->mnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return receive(nl, nlh->nlmsg_seq, cb, data, &intr, true);
}

int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, void (*reset)(void *data))
{
	int rc = -EINTR;

	/* The kernel flags a dump that raced with a change; what the callback
	 * collected is then inconsistent: start over from scratch. */
	for (int attempt = 0; attempt < NL_DUMP_RETRIES && rc == -EINTR; attempt++) {
		reset(data);
		rc = nl_talk(nl, nlh, cb, data);
	}
	return rc;
}

int nl_fail(struct cni_err *err, int rc, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ext_msg[0])
		return cni_err_set(err, CNI_ERR_INTERNAL, "%s: %s (%s)", what, strerror(-rc),
				   ext_msg);
	return cni_err_set(err, CNI_ERR_INTERNAL, "%s: %s", what, strerror(-rc));
}
