/* lib/nl against the real kernel, inside a private network namespace made
 * by this process (needs root, like every test that touches netlink). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include "lib/nl/nl.h"
#include "lib/sysctl/sysctl.h"

static int host_ns = -1, other_ns = -1;

static struct nl sock(void)
{
	struct nl nl;
	struct cni_err err = {0};

	if (nl_open(&nl, &err) < 0)
		fail_msg("nl_open: %s", err.msg);
	return nl;
}

static int get(struct nl *nl, const char *name, struct nl_link *l)
{
	struct cni_err err = {0};
	int rc = nl_link_get(nl, name, 0, l, &err);
	if (rc == -1)
		fail_msg("nl_link_get %s: %s", name, err.msg);
	return rc;
}

static void test_socket_cloexec(void **state)
{
	(void)state;
	struct nl nl = sock();
	int fd = mnl_socket_get_fd(nl.mnl);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	nl_close(&nl);
}

static void test_link_lookup(void **state)
{
	(void)state;
	struct nl nl = sock();
	struct nl_link l;

	assert_int_equal(get(&nl, "lo", &l), 0);
	assert_string_equal(l.name, "lo");
	assert_int_equal(l.ifindex, 1);
	assert_int_equal(get(&nl, "nosuchlink", &l), -ENOENT);
	nl_close(&nl);
}

static void test_bridge(void **state)
{
	(void)state;
	struct nl nl = sock();
	struct nl_link l;
	struct cni_err err = {0};
	const uint8_t mac[6] = {0x02, 1, 2, 3, 4, 5};

	const uint8_t born[6] = {0x02, 9, 9, 9, 9, 9};
	assert_int_equal(nl_bridge_create(&nl, "tbr0", 1400, born, false, &err), 0);
	assert_int_equal(nl_bridge_create(&nl, "tbr0", 0, NULL, false, &err), -EEXIST);
	assert_int_equal(err.code, 0);
	assert_int_equal(get(&nl, "tbr0", &l), 0);
	assert_string_equal(l.kind, "bridge");
	assert_int_equal(l.mtu, 1400);
	assert_memory_equal(l.mac, born, 6);
	assert_int_equal(nl_link_set_up(&nl, l.ifindex, "tbr0", &err), 0);
	assert_int_equal(nl_link_set_promisc(&nl, l.ifindex, "tbr0", &err), 0);
	assert_int_equal(nl_link_set_mac(&nl, l.ifindex, mac, "tbr0", &err), 0);
	assert_int_equal(get(&nl, "tbr0", &l), 0);
	assert_true(l.flags & IFF_UP);
	assert_true(l.flags & IFF_PROMISC);
	assert_memory_equal(l.mac, mac, 6);
	nl_close(&nl);
}

/* A socket inside other_ns, made by switching this thread there and back. */
static struct nl sock_in_other(void)
{
	struct nl nl;
	assert_int_equal(setns(other_ns, CLONE_NEWNET), 0);
	nl = sock();
	assert_int_equal(setns(host_ns, CLONE_NEWNET), 0);
	return nl;
}

static void test_veth_into_other_netns(void **state)
{
	(void)state;
	struct nl host = sock(), ctr = sock_in_other();
	struct nl_link hl, cl, br;
	struct cni_err err = {0};
	const uint8_t mac[6] = {0x02, 0xaa, 0, 0, 0, 1};
	struct nl_veth_req req = {
	    .name = "eth0", .ns_fd = other_ns, .peer_name = "vethtest1", .mtu = 1300, .mac = mac};

	assert_int_equal(nl_veth_create(&host, &req, &err), 0);
	assert_int_equal(get(&host, "vethtest1", &hl), 0);
	assert_string_equal(hl.kind, "veth");
	assert_int_equal(hl.mtu, 1300);
	assert_int_equal(get(&host, "eth0", &cl), -ENOENT); /* not on the host */
	assert_int_equal(get(&ctr, "eth0", &cl), 0);
	assert_memory_equal(cl.mac, mac, 6);
	assert_int_equal(cl.peer_ifindex, hl.ifindex);
	/* Same names again: EEXIST without an error filled in. */
	assert_int_equal(nl_veth_create(&host, &req, &err), -EEXIST);
	assert_int_equal(err.code, 0);

	assert_int_equal(get(&host, "tbr0", &br), 0);
	assert_int_equal(nl_link_set_master(&host, hl.ifindex, br.ifindex, "vethtest1", &err), 0);
	assert_int_equal(nl_brport_set(&host, hl.ifindex, true, true, "vethtest1", &err), 0);
	assert_int_equal(get(&host, "vethtest1", &hl), 0);
	assert_int_equal(hl.master, br.ifindex);
	assert_string_equal(hl.slave_kind, "bridge");
	assert_int_equal(hl.brport_mode, 1);
	assert_int_equal(hl.brport_isolated, 1);
	assert_true(hl.brport_state >= 0);

	assert_int_equal(nl_link_del(&ctr, cl.ifindex, "eth0", &err), 0);
	assert_int_equal(get(&host, "vethtest1", &hl), -ENOENT); /* the peer went too */
	assert_int_equal(nl_link_del(&ctr, cl.ifindex, "eth0", &err), -ENOENT);
	nl_close(&host);
	nl_close(&ctr);
}

/* The host end born on the bridge and up, in the one creating message. */
static void test_veth_born_on_bridge(void **state)
{
	(void)state;
	struct nl host = sock(), ctr = sock_in_other();
	struct nl_link hl, cl, br;
	struct cni_err err = {0};
	struct nl_veth_req req = {.name = "eth1", .ns_fd = other_ns, .peer_name = "vethtest2"};

	assert_int_equal(get(&host, "tbr0", &br), 0);
	req.master = br.ifindex;
	req.host_up = true;
	assert_int_equal(nl_veth_create(&host, &req, &err), 0);
	assert_int_equal(get(&host, "vethtest2", &hl), 0);
	assert_int_equal(hl.master, br.ifindex);
	assert_true(hl.flags & IFF_UP);
	assert_int_equal(get(&ctr, "eth1", &cl), 0);
	assert_false(cl.flags & IFF_UP); /* the container end is configured later */
	assert_int_equal(cl.peer_ifindex, hl.ifindex);
	/* A master that does not exist: an error, and nothing left behind. */
	req.peer_name = "vethtest3";
	req.name = "eth2";
	req.master = 99999;
	assert_int_equal(nl_veth_create(&host, &req, &err), -1);
	assert_int_equal(get(&host, "vethtest3", &hl), -ENOENT);
	assert_int_equal(get(&ctr, "eth2", &cl), -ENOENT);
	assert_int_equal(get(&ctr, "eth1", &cl), 0);
	err = (struct cni_err){0};
	assert_int_equal(nl_link_del(&ctr, cl.ifindex, "eth1", &err), 0);
	assert_int_equal(get(&host, "vethtest2", &hl), -ENOENT);
	nl_close(&host);
	nl_close(&ctr);
}

static void test_kernel_error_is_named(void **state)
{
	(void)state;
	struct nl nl = sock();
	struct cni_err err = {0};
	struct nl_veth_req req = {
	    .name = "bad0", .ns_fd = host_ns, .peer_name = "bad1", .mtu = 1000000};

	assert_int_equal(nl_veth_create(&nl, &req, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INTERNAL);
	if (!strstr(err.msg, "bad0/bad1"))
		fail_msg("message does not name the pair: %s", err.msg);
	nl_close(&nl);
}

static struct cni_ipnet net(const char *s)
{
	struct cni_ipnet n;
	assert_int_equal(cni_ipnet_parse(s, &n), 0);
	return n;
}

static void test_addresses(void **state)
{
	(void)state;
	struct nl nl = sock();
	struct nl_link br;
	struct nl_addr *a = NULL;
	size_t n = 0;
	struct cni_err err = {0};
	struct cni_ipnet v4 = net("10.9.0.1/24"), v6 = net("fd09::1/64");
	char s[CNI_IPNET_STRLEN];

	assert_int_equal(get(&nl, "tbr0", &br), 0);
	assert_int_equal(nl_addr_add(&nl, br.ifindex, &v4, "tbr0", &err), 0);
	assert_int_equal(nl_addr_add(&nl, br.ifindex, &v4, "tbr0", &err), -EEXIST);
	assert_int_equal(nl_addr_add(&nl, br.ifindex, &v6, "tbr0", &err), 0);
	assert_int_equal(nl_addr_list(&nl, br.ifindex, AF_INET, &a, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(cni_ipnet_format(&a[0].ipnet, s), "10.9.0.1/24");
	free(a);
	assert_int_equal(nl_addr_list(&nl, br.ifindex, AF_UNSPEC, &a, &n, &err), 0);
	assert_true(n >= 2); /* plus the link-local one */
	free(a);
	assert_int_equal(nl_addr_del(&nl, br.ifindex, &v6, "tbr0", &err), 0);
	assert_int_equal(nl_addr_list(&nl, br.ifindex, AF_INET6, &a, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		assert_true(a[i].ipnet.ip.addr[0] == 0xfe); /* only fe80:: left */
	free(a);
	nl_close(&nl);
}

static void test_routes(void **state)
{
	(void)state;
	struct nl nl = sock();
	struct nl_link br;
	struct nl_route r = {0}, *v = NULL;
	size_t n = 0;
	struct cni_err err = {0};
	int found = 0;

	assert_int_equal(get(&nl, "tbr0", &br), 0);
	r.dst = net("0.0.0.0/0");
	r.has_gw = true;
	assert_int_equal(cni_ip_parse("10.9.0.254", &r.gw), 0);
	r.oif = br.ifindex;
	r.table = 254;
	assert_int_equal(nl_route_add(&nl, &r, &err), 0);
	assert_int_equal(nl_route_add(&nl, &r, &err), -EEXIST);
	/* A second default through another gateway is allowed (ECMP-style add). */
	assert_int_equal(cni_ip_parse("10.9.0.253", &r.gw), 0);
	assert_int_equal(nl_route_add(&nl, &r, &err), 0);
	r.dst = net("192.168.0.0/16");
	assert_int_equal(cni_ip_parse("172.16.0.1", &r.gw), 0); /* not on-link */
	assert_int_equal(nl_route_add(&nl, &r, &err), -1);
	if (!strstr(err.msg, "192.168.0.0/16 via 172.16.0.1"))
		fail_msg("route error does not name it: %s", err.msg);
	assert_int_equal(nl_route_list(&nl, AF_INET, &v, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		found += v[i].dst.prefix == 0 && v[i].has_gw && v[i].oif == br.ifindex;
	assert_int_equal(found, 2);
	free(v);
	nl_close(&nl);
}

/* A batch: everything sent at once; the first failure in queue order is
 * reported, with the item's own message for EEXIST. */
static void test_batch(void **state)
{
	(void)state;
	struct nl nl = sock();
	struct nl_link br;
	struct nl_batch b;
	struct nl_route r = {0};
	struct cni_err err = {0};
	struct cni_ipnet a1 = net("10.19.0.2/24"), a2 = net("10.19.0.3/24");
	struct nl_addr *a = NULL;
	size_t n = 0;

	assert_int_equal(get(&nl, "tbr0", &br), 0);
	nl_batch_init(&b, &nl);
	assert_int_equal(nl_batch_addr_add(&b, br.ifindex, &a1, "tbr0"), 0);
	assert_int_equal(nl_batch_addr_add(&b, br.ifindex, &a2, "tbr0"), 0);
	assert_int_equal(nl_batch_link_up(&b, br.ifindex, "tbr0"), 0);
	r.dst = net("10.20.0.0/16");
	r.has_gw = true;
	assert_int_equal(cni_ip_parse("10.19.0.1", &r.gw), 0);
	r.oif = br.ifindex;
	r.table = 254;
	assert_int_equal(nl_batch_route_add(&b, &r), 0);
	assert_int_equal(nl_batch_send(&b, &err), 0);
	assert_int_equal(nl_addr_list(&nl, br.ifindex, AF_INET, &a, &n, &err), 0);
	assert_true(n >= 2);
	free(a);
	/* Again: the second address now exists; the kernel still runs the rest. */
	nl_batch_init(&b, &nl);
	assert_int_equal(nl_batch_link_up(&b, br.ifindex, "tbr0"), 0);
	assert_int_equal(nl_batch_addr_add(&b, br.ifindex, &a2, "tbr0"), 0);
	assert_int_equal(nl_batch_route_add(&b, &r), 0);
	assert_int_equal(nl_batch_send(&b, &err), -1);
	assert_string_equal(err.msg,
			    "failed to add IP addr 10.19.0.3/24 to tbr0: address already present");
	/* Full: E2BIG, and nothing was sent. */
	nl_batch_init(&b, &nl);
	for (int i = 0; i < NL_BATCH_MAX; i++)
		assert_int_equal(nl_batch_link_up(&b, br.ifindex, "tbr0"), 0);
	assert_int_equal(nl_batch_link_up(&b, br.ifindex, "tbr0"), -E2BIG);
	err = (struct cni_err){0};
	assert_int_equal(nl_batch_send(&b, &err), 0);
	/* the secondary first: deleting the primary takes it along */
	assert_int_equal(nl_addr_del(&nl, br.ifindex, &a2, "tbr0", &err), 0);
	assert_int_equal(nl_addr_del(&nl, br.ifindex, &a1, "tbr0", &err), 0);
	nl_close(&nl);
}

/* The lookup reports the link's IPv6 knobs as /proc/sys/net shows them,
 * and the up request with arp_notify sets both. */
static int knob(const char *fmt, const char *ifname)
{
	char path[96], v[16];
	struct cni_err err = {0};

	snprintf(path, sizeof(path), fmt, ifname);
	if (sysctl_read(path, v, sizeof(v), &err) < 0)
		fail_msg("%s", err.msg);
	return atoi(v);
}

static void test_link_inet_knobs(void **state)
{
	(void)state;
	struct nl nl = sock();
	struct nl_link l;
	struct nl_batch b;
	struct cni_err err = {0};

	assert_int_equal(nl_bridge_create(&nl, "tkn0", 0, NULL, false, &err), 0);
	assert_int_equal(sysctl_iface_write("ipv6", "tkn0", "accept_ra", "2", &err), 0);
	assert_int_equal(sysctl_iface_write("ipv6", "tkn0", "addr_gen_mode", "1", &err), 0);
	assert_int_equal(sysctl_iface_write("ipv4", "tkn0", "arp_notify", "0", &err), 0);
	assert_int_equal(get(&nl, "tkn0", &l), 0);
	assert_int_equal(l.inet6_accept_ra, 2);
	assert_int_equal(l.inet6_addr_gen_mode, 1);
	assert_int_equal(l.inet6_disable_ipv6, knob("ipv6/conf/%s/disable_ipv6", "tkn0"));
	assert_int_equal(sysctl_iface_write("ipv6", "tkn0", "disable_ipv6", "1", &err), 0);
	assert_int_equal(get(&nl, "tkn0", &l), 0);
	assert_int_equal(l.inet6_disable_ipv6, 1);
	assert_false(l.flags & IFF_UP);
	nl_batch_init(&b, &nl);
	assert_int_equal(nl_batch_link_up_arp_notify(&b, l.ifindex, "tkn0"), 0);
	assert_int_equal(nl_batch_send(&b, &err), 0);
	assert_int_equal(get(&nl, "tkn0", &l), 0);
	assert_true(l.flags & IFF_UP);
	assert_int_equal(knob("ipv4/conf/%s/arp_notify", "tkn0"), 1);
	assert_int_equal(nl_link_del(&nl, l.ifindex, "tkn0", &err), 0);
	nl_close(&nl);
}

static void test_sysctl(void **state)
{
	(void)state;
	struct cni_err err = {0};
	char buf[16];

	assert_int_equal(sysctl_write("ipv4/ip_forward", "0", &err), 0);
	assert_int_equal(sysctl_ensure("ipv4/ip_forward", "1", &err), 0);
	assert_int_equal(sysctl_read("ipv4/ip_forward", buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "1");
	assert_int_equal(sysctl_iface_write("ipv4", "tbr0", "arp_notify", "1", &err), 0);
	assert_int_equal(sysctl_iface_write("ipv4", "nosuch0", "arp_notify", "1", &err), -1);
	if (!strstr(err.msg, "/proc/sys/net/ipv4/conf/nosuch0/arp_notify"))
		fail_msg("sysctl error does not name the path: %s", err.msg);
}

/* Each thread keeps its own /proc/sys/net (sysctl.c): a worker in another
 * netns reads and writes that netns's knobs, whatever this thread opened
 * before, and its directory is closed when it exits. */
struct knob_job {
	int ns;
	const char *write; /* NULL: read only */
	char got[16];
	int rc;
};

static void *knob_worker(void *p)
{
	struct knob_job *j = p;
	struct cni_err e = {0};
	j->rc = setns(j->ns, CLONE_NEWNET);
	if (j->rc == 0 && j->write)
		j->rc = sysctl_write("ipv4/ip_forward", j->write, &e);
	if (j->rc == 0)
		j->rc = sysctl_read("ipv4/ip_forward", j->got, sizeof(j->got), &e);
	return NULL;
}

static struct knob_job knob_in(int ns, const char *write)
{
	struct knob_job j = {.ns = ns, .write = write, .rc = -1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, knob_worker, &j), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(j.rc, 0);
	return j;
}

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static void test_sysctl_per_thread(void **state)
{
	(void)state;
	struct cni_err err = {0};
	char buf[16];

	assert_int_equal(sysctl_write("ipv4/ip_forward", "1", &err), 0);
	int fds = open_fds();
	assert_string_equal(knob_in(other_ns, "0").got, "0");
	assert_int_equal(open_fds(), fds);
	assert_int_equal(sysctl_read("ipv4/ip_forward", buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "1"); /* this thread's netns, untouched */
	assert_string_equal(knob_in(other_ns, NULL).got, "0");
	assert_string_equal(knob_in(other_ns, "1").got, "1");
}

static void test_mac_format(void **state)
{
	(void)state;
	char buf[18];
	const uint8_t m[6] = {0, 0x1a, 0xff, 2, 3, 4};
	assert_string_equal(nl_mac_format(m, 6, buf), "00:1a:ff:02:03:04");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_socket_cloexec),
	    cmocka_unit_test(test_link_lookup),
	    cmocka_unit_test(test_bridge),
	    cmocka_unit_test(test_veth_into_other_netns),
	    cmocka_unit_test(test_veth_born_on_bridge),
	    cmocka_unit_test(test_kernel_error_is_named),
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_routes),
	    cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_link_inet_knobs),
	    cmocka_unit_test(test_sysctl),
	    cmocka_unit_test(test_sysctl_per_thread),
	    cmocka_unit_test(test_mac_format),
	};
	/* Two private namespaces: "host" for this thread and "other" as the
	 * container. Nothing here touches the machine's real network. */
	if (unshare(CLONE_NEWNET) < 0 ||
	    (other_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    unshare(CLONE_NEWNET) < 0 ||
	    (host_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		printf("not ok 1 - cannot make private network namespaces (run as root): %s\n",
		       strerror(errno));
		return 1;
	}
	struct nl nl = sock();
	struct cni_err err = {0};
	nl_link_set_up(&nl, 1, "lo", &err);
	nl_close(&nl);
	return cmocka_run_group_tests_name("nl_rtnl", tests, NULL, NULL);
}
