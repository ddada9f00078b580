/* The "floor" of issue 8: only the kernel work of a bridge ADD / DEL for one
 * container, over libmnl, with no JSON, no IPAM and no waits. `make bench`
 * (test/bench/cases.sh) runs it as its own process per container, so
 * "ours / floor" shows how close the plugin is to the physical limit.
 *
 * usage: bench_floor [-s] add NETNS IFNAME ADDR/PREFIX GATEWAY BRIDGE
 *        bench_floor del NETNS IFNAME
 *
 * ADD, two netlink round trips:
 *  1. host socket, one RTM_NEWLINK: the veth's host end vethXXXXXXXX (random)
 *     created enslaved to BRIDGE and up, its peer IFNAME created straight in
 *     NETNS (IFLA_NET_NS_FD in the peer's attributes);
 *  2. a worker thread enters NETNS, opens a netlink socket there and sends
 *     one batch: IFNAME up, RTM_NEWADDR ADDR/PREFIX on it and RTM_NEWROUTE
 *     default via GATEWAY.
 * DEL: a worker thread in NETNS sends RTM_DELLINK IFNAME (the kernel takes
 * both ends down; most of the time is its unregister wait).
 *
 * -s (before add): before the batch, the worker also sets what the
 * reference's ADD sets on IFNAME before it goes up, accept_dad=0 and
 * arp_notify=1. accept_dad=0 is what makes the container's link-local
 * address valid at once, so its router solicitation and MLD report leave
 * as soon as the port forwards and the bridge floods them to every other
 * port (the pods case of `make bench` measures the floor both ways). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct floor_req {
	const char *netns, *ifname, *bridge;
	int sysctls; /* -s */
	int family;
	unsigned char addr[16], gw[16];
	unsigned prefix;
	int nsfd;
	const char *failed; /* step that failed, for the message */
	int err;	    /* its errno */
};

static int fail(struct floor_req *r, const char *step, int err)
{
	r->failed = step;
	r->err = err;
	return -1;
}

static struct mnl_socket *nl_open(void)
{
	struct mnl_socket *sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

	if (sk && mnl_socket_bind(sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(sk);
		return NULL;
	}
	return sk;
}

/* Sends len bytes holding n requests (each with NLM_F_ACK) and reads the n
 * acks. Returns 0 or the first error as a positive errno. */
static int nl_talk(struct mnl_socket *sk, const void *buf, size_t len, int n)
{
	char rx[MNL_SOCKET_BUFFER_SIZE];
	int first_err = 0;

	if (mnl_socket_sendto(sk, buf, len) < 0)
		return errno;
	while (n > 0) {
		ssize_t got = mnl_socket_recvfrom(sk, rx, sizeof(rx));
		const struct nlmsghdr *h = (const struct nlmsghdr *)rx;
		int left = (int)got;

		if (got < 0)
			return errno;
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (e->error && !first_err)
				first_err = -e->error;
			n--;
		}
	}
	return first_err;
}

static struct nlmsghdr *put_msg(void *buf, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = seq;
	return h;
}

static int ifindex_of(int fd, const char *name)
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	/* any socket answers SIOCGIFINDEX for its own netns, netlink included */
	return ioctl(fd, SIOCGIFINDEX, &ifr) == 0 ? ifr.ifr_ifindex : -1;
}

/* vethXXXXXXXX with 4 random bytes, as the reference names the host end. */
static void host_end_name(char *buf, size_t len)
{
	unsigned char rnd[4] = {0};

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		unsigned v = (unsigned)getpid() ^ (unsigned)time(NULL);

		memcpy(rnd, &v, sizeof(rnd));
	}
	snprintf(buf, len, "veth%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
}

static int create_veth(struct floor_req *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], host[IFNAMSIZ];
	struct mnl_socket *sk = nl_open();
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *ifm, *pifm;
	struct nlmsghdr *h;
	int br, rc;

	if (!sk)
		return fail(r, "netlink socket (host)", errno);
	br = ifindex_of(mnl_socket_get_fd(sk), r->bridge);
	if (br < 0) {
		rc = fail(r, "bridge lookup", errno);
		goto out;
	}
	host_end_name(host, sizeof(host));
	h = put_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 1);
	ifm = mnl_nlmsg_put_extra_header(h, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(h, IFLA_IFNAME, host);
	mnl_attr_put_u32(h, IFLA_MASTER, br);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
	pifm = mnl_nlmsg_put_extra_header(h, sizeof(*pifm)); /* the peer's own ifinfomsg */
	memset(pifm, 0, sizeof(*pifm));
	/* no IFF_UP here: the kernel configures the peer before pairing the two
	 * ends, and opening an unpaired veth fails with ENOTCONN */
	pifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, r->ifname);
	mnl_attr_put_u32(h, IFLA_NET_NS_FD, r->nsfd);
	mnl_attr_nest_end(h, peer);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	rc = nl_talk(sk, buf, h->nlmsg_len, 1);
	if (rc)
		rc = fail(r, "RTM_NEWLINK veth", rc);
out:
	mnl_socket_close(sk);
	return rc;
}

/* /proc/sys/net/<key> = value, in the calling thread's netns; step names
 * the failure (r->failed outlives this frame: no path built here) */
static int sysctl_set(struct floor_req *r, const char *step, const char *key, const char *value)
{
	char path[128];
	ssize_t len = (ssize_t)strlen(value), n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/%s", key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(r, step, errno);
	n = write(fd, value, (size_t)len);
	close(fd);
	return n == len ? 0 : fail(r, step, n < 0 ? errno : EIO);
}

/* Inside the netns, one batch: link up, address, default route. */
static int configure_inside(struct floor_req *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *sk = nl_open();
	size_t alen = r->family == AF_INET ? 4 : 16;
	struct ifinfomsg *ifm;
	struct ifaddrmsg *ifa;
	struct rtmsg *rtm;
	struct nlmsghdr *h;
	size_t len;
	int idx, rc;

	if (!sk)
		return fail(r, "netlink socket (netns)", errno);
	idx = ifindex_of(mnl_socket_get_fd(sk), r->ifname);
	if (idx < 0) {
		rc = fail(r, "container link lookup", errno);
		goto out;
	}
	if (r->sysctls) {
		char key[96];
		snprintf(key, sizeof(key), "ipv6/conf/%s/accept_dad", r->ifname);
		rc = sysctl_set(r, "sysctl accept_dad", key, "0");
		if (rc)
			goto out;
		snprintf(key, sizeof(key), "ipv4/conf/%s/arp_notify", r->ifname);
		rc = sysctl_set(r, "sysctl arp_notify", key, "1");
		if (rc)
			goto out;
	}
	h = put_msg(buf, RTM_NEWLINK, 0, 1);
	ifm = mnl_nlmsg_put_extra_header(h, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = idx;
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	len = NLMSG_ALIGN(h->nlmsg_len);
	h = put_msg(buf + len, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, 2);
	ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = r->family;
	ifa->ifa_prefixlen = r->prefix;
	ifa->ifa_index = idx;
	mnl_attr_put(h, IFA_LOCAL, alen, r->addr);
	mnl_attr_put(h, IFA_ADDRESS, alen, r->addr);
	len += NLMSG_ALIGN(h->nlmsg_len);
	h = put_msg(buf + len, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, 3);
	rtm = mnl_nlmsg_put_extra_header(h, sizeof(*rtm));
	rtm->rtm_family = r->family;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(h, RTA_GATEWAY, alen, r->gw);
	mnl_attr_put_u32(h, RTA_OIF, idx);
	len += h->nlmsg_len;
	rc = nl_talk(sk, buf, len, 3);
	if (rc)
		rc = fail(r, "RTM_NEWLINK up/RTM_NEWADDR/RTM_NEWROUTE", rc);
out:
	mnl_socket_close(sk);
	return rc;
}

static int delete_inside(struct floor_req *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *sk = nl_open();
	struct ifinfomsg *ifm;
	struct nlmsghdr *h;
	int rc;

	if (!sk)
		return fail(r, "netlink socket (netns)", errno);
	h = put_msg(buf, RTM_DELLINK, 0, 1);
	ifm = mnl_nlmsg_put_extra_header(h, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, r->ifname);
	rc = nl_talk(sk, buf, h->nlmsg_len, 1);
	if (rc)
		rc = fail(r, "RTM_DELLINK", rc);
	mnl_socket_close(sk);
	return rc;
}

struct job {
	struct floor_req *r;
	int (*fn)(struct floor_req *r);
	int rc;
};

static void *worker(void *p)
{
	struct job *j = p;

	if (setns(j->r->nsfd, CLONE_NEWNET) != 0)
		j->rc = fail(j->r, "setns", errno);
	else
		j->rc = j->fn(j->r);
	return NULL; /* the thread ends here, still in the netns: never reused */
}

static int in_netns(struct floor_req *r, int (*fn)(struct floor_req *r))
{
	struct job j = {.r = r, .fn = fn, .rc = -1};
	pthread_t t;
	int rc = pthread_create(&t, NULL, worker, &j);

	if (rc)
		return fail(r, "pthread_create", rc);
	pthread_join(t, NULL);
	return j.rc;
}

static int parse_add(struct floor_req *r, char **argv)
{
	char ip[64], *slash;

	r->ifname = argv[1];
	snprintf(ip, sizeof(ip), "%s", argv[2]);
	slash = strchr(ip, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	r->prefix = (unsigned)atoi(slash + 1);
	r->family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(r->family, ip, r->addr) != 1 || inet_pton(r->family, argv[3], r->gw) != 1)
		return -1;
	r->bridge = argv[4];
	return 0;
}

int main(int argc, char **argv)
{
	struct floor_req r = {0};
	int add, del, rc;

	if (argc > 1 && !strcmp(argv[1], "-s")) {
		r.sysctls = 1;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	add = argc == 7 && !strcmp(argv[1], "add");
	del = argc == 4 && !strcmp(argv[1], "del") && !r.sysctls; /* -s is add's */

	if ((!add && !del) || (add && parse_add(&r, argv + 2) != 0)) {
		fprintf(stderr,
			"usage: %s [-s] add NETNS IFNAME ADDR/PREFIX GATEWAY BRIDGE\n"
			"       %s del NETNS IFNAME\n",
			argv[0], argv[0]);
		return 2;
	}
	r.netns = argv[2];
	r.ifname = argv[3];
	r.nsfd = open(r.netns, O_RDONLY | O_CLOEXEC);
	if (r.nsfd < 0)
		rc = fail(&r, "open netns", errno);
	else if (add)
		rc = create_veth(&r) ?: in_netns(&r, configure_inside);
	else
		rc = in_netns(&r, delete_inside);
	if (rc) {
		fprintf(stderr, "bench_floor %s %s %s: %s: %s\n", argv[1], r.netns, r.ifname,
			r.failed, strerror(r.err));
		return 1;
	}
	return 0;
}
