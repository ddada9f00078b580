/* Notification sockets: wake a waiter when the kernel announces a change
 * (an address finishing DAD, a bridge port forwarding) instead of polling
 * on a timer. */
#include "lib/nl/msg.h"
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include "lib/util/clock.h"

int nl_watch_open(struct nl *nl, unsigned group, struct cni_err *err)
{
	if (nl_open(nl, err) < 0)
		return -1;
	if (mnl_socket_setsockopt(nl->mnl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		int e = errno;
		nl_close(nl);
		return cni_err_errno(err, CNI_ERR_INTERNAL, e,
				     "cannot subscribe to netlink group %u", group);
	}
	return 0;
}

/* Reads every queued notification without blocking. The content does not
 * matter: the caller re-reads the state it cares about. */
static int drain(int fd)
{
	char buf[8192];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n >= 0)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		/* ENOBUFS: notifications were lost, which is a change too. */
		if (errno != EINTR && errno != ENOBUFS)
			return -errno;
	}
}

int nl_watch_wait(struct nl *nl, int timeout_ms, struct cni_err *err)
{
	struct pollfd p = {.fd = mnl_socket_get_fd(nl->mnl), .events = POLLIN};
	int rc = poll(&p, 1, timeout_ms);

	if (rc < 0 && errno == EINTR)
		return 1; /* an early wake-up only costs the caller one more look */
	if (rc < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno,
				     "cannot wait for netlink notifications");
	if (rc == 0)
		return 0;
	rc = drain(p.fd);
	if (rc < 0)
		return cni_err_errno(err, CNI_ERR_INTERNAL, -rc,
				     "cannot read netlink notifications");
	return 1;
}

int nl_watch_until(unsigned group, int timeout_ms, int (*check)(void *arg, struct cni_err *err),
		   void *arg, struct cni_err *err)
{
	cleanup_nl struct nl watch = {0};
	int64_t deadline = util_now_ms() + timeout_ms;
	int rc = check(arg, err);

	if (rc != 0)
		return rc;
	if (nl_watch_open(&watch, group, err) < 0)
		return -1;
	for (;;) {
		int64_t left;

		rc = check(arg, err);
		if (rc != 0)
			return rc;
		left = deadline - util_now_ms();
		if (left <= 0)
			return 0;
		if (nl_watch_wait(&watch, (int)left, err) < 0)
			return -1;
	}
}

int nl_watch_scan(struct nl *watch, int timeout_ms,
		  bool (*scan)(const struct nlmsghdr *nlh, void *arg), void *arg, const char *what,
		  struct cni_err *err)
{
	char buf[16384];
	int fd = mnl_socket_get_fd(watch->mnl);
	int64_t deadline = util_now_ms() + timeout_ms;
	bool found = false;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
			int left = (int)n;
			for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
				found |= scan(nlh, arg);
			continue;
		}
		if (n < 0 && errno == ENOBUFS)
			return 2;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "cannot read %s", what);
		/* the queue is empty: what it held decides, else wait for more
		 * (news about other objects come first and do not end the wait) */
		if (found)
			return 1;
		int64_t left = deadline - util_now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "cannot wait for %s",
					     what);
	}
}
