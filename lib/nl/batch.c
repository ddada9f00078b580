/* Batches: several change requests in one sendmsg, their acks read in one
 * go. The kernel still runs them one by one (each takes the RTNL lock), but
 * the caller pays one send and one wake-up instead of one per request. */
#include "lib/nl/msg.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void nl_batch_init(struct nl_batch *b, struct nl *nl)
{
	memset(b, 0, sizeof(*b));
	b->nl = nl;
}

int nl_batch_push(struct nl_batch *b, const struct nlmsghdr *nlh, const char *eexist,
		  const char *fmt, ...)
{
	struct nl_batch_item *it;
	va_list ap;

	if (b->n == NL_BATCH_MAX || b->len + MNL_ALIGN(nlh->nlmsg_len) > sizeof(b->buf))
		return -E2BIG;
	it = &b->items[b->n++];
	memcpy(b->buf + b->len, nlh, nlh->nlmsg_len);
	it->hdr = (struct nlmsghdr *)(b->buf + b->len);
	it->hdr->nlmsg_flags |= NLM_F_ACK;
	it->hdr->nlmsg_seq = ++b->nl->seq;
	b->len += MNL_ALIGN(nlh->nlmsg_len);
	it->rc = 1; /* no answer yet */
	snprintf(it->eexist, sizeof(it->eexist), "%s", eexist ? eexist : "");
	va_start(ap, fmt);
	vsnprintf(it->what, sizeof(it->what), fmt, ap);
	va_end(ap);
	return 0;
}

static struct nl_batch_item *item_of(struct nl_batch *b, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_pid != b->nl->portid)
		return NULL;
	for (int i = 0; i < b->n; i++)
		if (b->items[i].hdr->nlmsg_seq == nlh->nlmsg_seq && b->items[i].rc == 1)
			return &b->items[i];
	return NULL;
}

/* Reads until every request has its ack or error. */
static int collect(struct nl_batch *b)
{
	char buf[8192];
	int left = b->n;

	while (left > 0) {
		ssize_t n = mnl_socket_recvfrom(b->nl->mnl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			struct nl_batch_item *it = item_of(b, nlh);
			if (!it || nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			/* parse_error keeps the extended ack text of the last error;
			 * keep the first one's, it is the one reported. */
			it->rc = nl_parse_ack(nlh, b->ext[0] ? NULL : b->ext, sizeof(b->ext));
			left--;
		}
	}
	return 0;
}

int nl_batch_send(struct nl_batch *b, struct cni_err *err)
{
	int rc;

	if (b->n == 0)
		return 0;
	b->ext[0] = '\0';
	if (mnl_socket_sendto(b->nl->mnl, b->buf, b->len) < 0)
		return nl_fail(err, -errno, "%s", b->items[0].what);
	rc = collect(b);
	if (rc < 0)
		return nl_fail(err, rc, "%s", b->items[0].what);
	for (int i = 0; i < b->n; i++) {
		const struct nl_batch_item *it = &b->items[i];
		if (it->rc == 0)
			continue;
		if (it->rc == -EEXIST && it->eexist[0])
			return cni_err_set(err, CNI_ERR_INTERNAL, "%s", it->eexist);
		if (b->ext[0])
			return cni_err_set(err, CNI_ERR_INTERNAL, "%s: %s (%s)", it->what,
					   strerror(-it->rc), b->ext);
		return cni_err_set(err, CNI_ERR_INTERNAL, "%s: %s", it->what, strerror(-it->rc));
	}
	return 0;
}
