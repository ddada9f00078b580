/* Namespaces, links and addresses through libnl-route-3. See kernel.h. */
#include "plugin/operator/kernel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include "lib/netns/netns.h"
#include "lib/util/vec.h"

static int add_ns(struct op_kernel *k, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return 0; /* gone meanwhile, or not ours to see */
	for (size_t i = 0; i < k->n; i++)
		if (k->ns[i].dev == st.st_dev && k->ns[i].ino == st.st_ino)
			return 0;
	struct op_ns *ns = array_push(&k->ns, &k->n, NULL, sizeof(*ns));
	if (!ns)
		return -1;
	ns->path = strdup(path);
	ns->dev = st.st_dev;
	ns->ino = st.st_ino;
	ns->nsid = -1;
	ns->host = k->n == 1;
	return ns->path ? 0 : -1;
}

static int scan_dir(struct op_kernel *k, const char *dir, const char *suffix, bool numeric)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int rc = 0;
	if (!d)
		return 0;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.' || (numeric && (e->d_name[0] < '0' || e->d_name[0] > '9')))
			continue;
		snprintf(path, sizeof(path), "%s/%s%s", dir, e->d_name, suffix);
		rc = add_ns(k, path);
	}
	closedir(d);
	return rc;
}

/* nsfs bind mounts of network namespaces anywhere (docker keeps its own
 * under /var/run/docker/netns): mountinfo's root field reads "net:[ino]". */
static int scan_mounts(struct op_kernel *k)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], root[256], mnt[2048];
	int rc = 0;
	if (!f)
		return 0;
	while (rc == 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %255s %2047s", root, mnt) == 2 &&
		    strncmp(root, "net:[", 5) == 0 && strstr(line, " - nsfs "))
			rc = add_ns(k, mnt); /* octal escapes (\040) in odd paths: then skipped */
	fclose(f);
	return rc;
}

struct nsid_reply {
	int nsid;
};

static int nsid_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETNSA_MAX + 1];
	struct nsid_reply *r = arg;
	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) == 0 &&
	    tb[NETNSA_NSID])
		r->nsid = (int)nla_get_s32(tb[NETNSA_NSID]);
	return NL_OK;
}

/* The id the host gives netns path (RTM_GETNSID, which never assigns one). */
static int host_nsid(struct nl_sock *sk, const char *path)
{
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
	struct nsid_reply r = {-1};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct nl_msg *m = fd < 0 ? NULL : nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST);
	if (m && nlmsg_append(m, &g, sizeof(g), NLMSG_ALIGNTO) == 0 &&
	    nla_put_u32(m, NETNSA_FD, (uint32_t)fd) == 0 &&
	    nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, nsid_cb, &r) == 0 &&
	    nl_send_auto(sk, m) >= 0)
		nl_recvmsgs_default(sk);
	nlmsg_free(m);
	if (fd >= 0)
		close(fd);
	return r.nsid;
}

static void mac_of(struct rtnl_link *l, char out[18])
{
	struct nl_addr *a = rtnl_link_get_addr(l);
	const uint8_t *b = a ? nl_addr_get_binary_addr(a) : NULL;
	out[0] = '\0';
	if (b && nl_addr_get_len(a) == 6)
		snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
			 b[5]);
}

static void link_to_iface(struct nl_object *o, void *arg)
{
	struct op_ns *ns = arg;
	struct rtnl_link *l = (struct rtnl_link *)o;
	struct op_iface *i = array_push(&ns->ifs, &ns->n_ifs, NULL, sizeof(*i));
	int32_t nsid;
	if (!i)
		return;
	i->ifindex = rtnl_link_get_ifindex(l);
	snprintf(i->name, sizeof(i->name), "%s", rtnl_link_get_name(l) ?: "");
	snprintf(i->kind, sizeof(i->kind), "%s", rtnl_link_get_type(l) ?: "");
	mac_of(l, i->mac);
	i->up = rtnl_link_get_flags(l) & IFF_UP;
	i->master = rtnl_link_get_master(l);
	i->peer = rtnl_link_get_link(l);
	i->peer_nsid = -1;
	if (rtnl_link_get_link_netnsid(l, &nsid) == 0) {
		/* the kernel says -1 for a peer netns it can no longer give an
		 * id to: one whose last reference is gone, being torn down */
		i->peer_nsid = nsid;
		i->peer_gone = nsid < 0;
	}
}

static void addr_to_iface(struct nl_object *o, void *arg)
{
	struct op_ns *ns = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)o;
	struct nl_addr *local = rtnl_addr_get_local(a);
	int family = rtnl_addr_get_family(a);
	struct op_iface *i = (struct op_iface *)op_ns_iface(ns, NULL, rtnl_addr_get_ifindex(a));
	if (!i || !local || (family != AF_INET && family != AF_INET6) ||
	    nl_addr_get_len(local) != (unsigned)cni_ip_len(family))
		return;
	struct cni_ipnet *v = array_push(&i->addrs, &i->n_addrs, NULL, sizeof(*v));
	if (!v)
		return;
	v->ip.family = family;
	memcpy(v->ip.addr, nl_addr_get_binary_addr(local), (size_t)cni_ip_len(family));
	v->prefix = (uint8_t)rtnl_addr_get_prefixlen(a);
}

/* Reads the calling thread's netns into ns (a netns_fn when run inside). */
static int read_ns(void *arg, struct cni_err *err)
{
	struct op_ns *ns = arg;
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *links = NULL, *addrs = NULL;
	int rc = -1, e = 0;
	if (!sk || (e = nl_connect(sk, NETLINK_ROUTE)) < 0 ||
	    (e = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links)) < 0 ||
	    (e = rtnl_addr_alloc_cache(sk, &addrs)) < 0) {
		cni_err_set(err, CNI_ERR_IO, "reading links and addresses of netns %s: %s",
			    ns->path, sk ? nl_geterror(e) : "out of memory");
		goto out;
	}
	nl_cache_foreach(links, link_to_iface, ns);
	nl_cache_foreach(addrs, addr_to_iface, ns);
	ns->loaded = true;
	rc = 0;
out:
	nl_cache_free(addrs);
	nl_cache_free(links);
	nl_socket_free(sk);
	return rc;
}

static void load_peer_ns(struct op_ns *ns)
{
	struct cni_err ignored = {0};
	struct netns h;
	if (netns_open(ns->path, &h, &ignored) != NETNS_OK)
		return;
	netns_run(&h, read_ns, ns, &ignored); /* vanished meanwhile: skipped */
	netns_close(&h);
}

static int link_seen_cb(struct nl_msg *msg, void *arg)
{
	(void)msg;
	*(bool *)arg = true;
	return NL_OK;
}

/* Whether netns nsid (as the host numbers it) still exists and holds link
 * ifindex: GETLINK addressed with IFLA_TARGET_NETNSID, which the kernel
 * refuses (EINVAL) for an id whose netns is being destroyed. Unclear
 * answers (no permission, no memory) count as alive: then the caller says
 * it cannot find the netns rather than guessing it away. */
static bool peer_alive(struct nl_sock *sk, int nsid, int ifindex)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nl_msg *m = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);
	bool seen = false;
	int e = -NLE_NOMEM;
	if (m && nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) == 0 &&
	    nla_put_s32(m, IFLA_TARGET_NETNSID, nsid) == 0 &&
	    (e = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, link_seen_cb, &seen)) == 0 &&
	    (e = nl_send_auto(sk, m)) >= 0)
		e = nl_recvmsgs_default(sk);
	nlmsg_free(m);
	return seen || (e != -NLE_INVAL && e != -NLE_NODEV && e != -NLE_OBJ_NOTFOUND);
}

/* `ip netns del` unmounts a netns at once, but the kernel tears it down
 * (and the veth peers in it) later: meanwhile a host veth still names the
 * peer's nsid, and no path leads there. Such a veth is leaving, not lost. */
static void mark_gone_peers(struct op_kernel *k, struct nl_sock *sk)
{
	struct op_ns *host = &k->ns[0];
	for (size_t i = 0; i < host->n_ifs; i++) {
		struct op_iface *veth = &host->ifs[i];
		if (veth->peer_nsid < 0 || veth->peer_gone || op_kernel_peer_ns(k, veth))
			continue;
		veth->peer_gone = !peer_alive(sk, veth->peer_nsid, veth->peer);
	}
}

int op_kernel_load(struct op_kernel *k, struct cni_err *err)
{
	struct nl_sock *sk = NULL;
	memset(k, 0, sizeof(*k));
	if (add_ns(k, "/proc/thread-self/ns/net") < 0 || scan_dir(k, "/run/netns", "", false) < 0 ||
	    scan_mounts(k) < 0 || scan_dir(k, "/proc", "/ns/net", true) < 0)
		return cni_err_set(err, CNI_ERR_IO, "listing network namespaces: out of memory");
	if (k->n == 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "stat /proc/thread-self/ns/net");
	if (read_ns(&k->ns[0], err) < 0)
		return -1;
	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		return cni_err_set(err, CNI_ERR_IO, "netlink: cannot open a route socket");
	}
	nl_socket_disable_auto_ack(sk);
	for (size_t i = 1; i < k->n; i++)
		if ((k->ns[i].nsid = host_nsid(sk, k->ns[i].path)) >= 0)
			load_peer_ns(&k->ns[i]);
	mark_gone_peers(k, sk);
	nl_socket_free(sk);
	return 0;
}

void op_kernel_free(struct op_kernel *k)
{
	for (size_t i = 0; i < k->n; i++) {
		for (size_t j = 0; j < k->ns[i].n_ifs; j++)
			free(k->ns[i].ifs[j].addrs);
		free(k->ns[i].ifs);
		free(k->ns[i].path);
	}
	free(k->ns);
	memset(k, 0, sizeof(*k));
}

const struct op_iface *op_ns_iface(const struct op_ns *ns, const char *name, int ifindex)
{
	for (size_t i = 0; i < ns->n_ifs; i++)
		if (name ? strcmp(ns->ifs[i].name, name) == 0 : ns->ifs[i].ifindex == ifindex)
			return &ns->ifs[i];
	return NULL;
}

const struct op_ns *op_kernel_peer_ns(const struct op_kernel *k, const struct op_iface *hostif)
{
	if (hostif->peer_gone)
		return NULL;
	if (hostif->peer_nsid < 0)
		return &k->ns[0];
	for (size_t i = 1; i < k->n; i++)
		if (k->ns[i].loaded && k->ns[i].nsid == hostif->peer_nsid)
			return &k->ns[i];
	return NULL;
}

int op_kernel_link_del(int ifindex, const char *name, struct cni_err *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *l = NULL;
	int e = -NLE_NOMEM;
	if (sk && (e = nl_connect(sk, NETLINK_ROUTE)) == 0 &&
	    (e = rtnl_link_get_kernel(sk, ifindex, NULL, &l)) == 0) {
		/* the ifindex may have been reused by another link meanwhile */
		if (strcmp(rtnl_link_get_name(l) ?: "", name) == 0)
			e = rtnl_link_delete(sk, l);
	}
	rtnl_link_put(l);
	nl_socket_free(sk);
	if (e == -NLE_NODEV || e == -NLE_OBJ_NOTFOUND)
		return 0;
	if (e < 0)
		return cni_err_set(err, CNI_ERR_IO, "deleting link %s (index %d): %s", name,
				   ifindex, nl_geterror(e));
	return 0;
}
