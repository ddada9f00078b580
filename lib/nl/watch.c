/* Notification sockets: wake a waiter when the kernel announces a change
 * (an address finishing DAD) instead of polling on a timer. */
#include "lib/nl/msg.h"
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

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
