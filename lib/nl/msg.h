/* Internal to lib/nl: one request/response exchange over a struct nl. */
#pragma once
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include "lib/nl/nl.h"
#include "lib/util/vec.h" /* what dump callbacks fill; vec_reset is nl_dump's reset */

/* Room for one request message. */
#define NL_REQ_BUF 1024

/* Starts a request of type with flags (NLM_F_REQUEST is added) in buf and
 * returns the header; the family header of hdr_len bytes follows, zeroed. */
struct nlmsghdr *nl_msg_start(struct nl *nl, char *buf, int type, int flags, size_t hdr_len);

/* Sends nlh (NLM_F_ACK and a fresh sequence number are set) and waits for
 * the kernel's answer. For a dump (NLM_F_DUMP) cb runs for every reply
 * message; for a plain request cb may be NULL or run on a reply
 * (RTM_GETLINK). cb returns MNL_CB_OK, or MNL_CB_ERROR with errno set.
 * Returns 0 or -errno (-EINTR: the dump was interrupted, NLM_F_DUMP_INTR);
 * on a kernel error the extended-ack text, if any, is in nl_ext_msg(). */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* A GET of one object (RTM_GETLINK by index or name) sent without
 * NLM_F_ACK: the kernel answers with the object alone, one message fewer
 * to read than nl_talk. cb runs on it. Returns 0 or -errno. */
int nl_get(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* A dump retried up to 5 times while interrupted; reset(data) empties what
 * cb collected before every attempt. */
int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	    void (*reset)(void *data));

/* The errno of an NLMSG_ERROR (0 = an ack); its extended-ack text, if
 * any, goes to ext (when not NULL). */
int nl_parse_ack(const struct nlmsghdr *nlh, char *ext, size_t ext_len);

/* Copies a request into the batch (NLM_F_ACK and a sequence number are
 * set there). eexist: see struct nl_batch_item; fmt: its "what". */
int nl_batch_push(struct nl_batch *b, const struct nlmsghdr *nlh, const char *eexist,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Kernel's extended ack message of the last nl_talk, "" when none. */
const char *nl_ext_msg(void);

/* err = code 999, "<fmt...>: <strerror(-rc)>[ (<extack>)]". Returns -1. */
int nl_fail(struct cni_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
