/* `cni-bridge`, the operator's command: what is on each bridge network of
 * the node and what has leaked. The node is read once into a struct
 * op_node (conflists, lease stores, kernel, netfilter rules); show, leaks
 * and gc only look at that snapshot (gc reads a fresh one itself).
 *
 * The kernel is the truth: a lease is live when its address is on an
 * interface, in some netns, whose veth peer is a port of that network's
 * bridge. Everything here runs on the main thread in the host netns; only
 * kernel.c enters other namespaces (lib/netns workers). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "plugin/operator/kernel.h"
#include "lib/cni/error.h"
#include "lib/cni/ipnet.h"
#include "lib/cni/skel.h"
#include "plugin/bridge/conf.h"
#include "plugin/host-local/conf.h"

#define OP_DEFAULT_CONF_DIR "/etc/cni/net.d"
/* Leases younger than this are not called leaked: host-local writes the
 * lease before the bridge puts the address on the container interface, so
 * an ADD in flight has a lease that no interface holds yet. */
#define OP_DEFAULT_MIN_AGE 60

/* One network whose plugin chain has a "bridge". */
struct op_net {
	char *file; /* the conflist or conf it came from */
	char *name;
	cJSON *conf;		/* the bridge plugin's object plus name and cniVersion */
	struct cni_request req; /* DEL-style request over conf, for the plugins' code */
	struct bridge_conf br;	/* bridge_conf_parse_for_del (what DEL would read) */
	bool br_ok;		/* br was parsed (free it) */
	bool host_local;	/* ipam.type is host-local: its store can be read */
	struct hl_conf hl;	/* valid when host_local */
	char *error;		/* set when the config could not be read; the rest is empty */
};

/* Reads every *.conflist, *.conf and *.json of dir in name order (libcni's
 * order; a later file with a network name seen before is skipped, as libcni
 * does). only (may be NULL): just that network. A file that cannot be read
 * or parsed becomes a network with error set (name = the file's). Errors:
 * code 5 when dir cannot be listed, 7 when `only` names no bridge network. */
int op_nets_load(const char *dir, const char *only, struct op_net **out, size_t *n,
		 struct cni_err *err);
void op_nets_free(struct op_net *v, size_t n);

struct op_lease {
	char file[64]; /* name in the store: the address */
	struct cni_ip ip;
	char *cid;    /* container ID ("" for an unreadable lease) */
	char *ifname; /* NULL for a legacy ID-only lease */
	time_t mtime;
	bool young;	   /* younger than --min-age */
	bool earlier_boot; /* made in an earlier boot of this machine (host-local's
			    * boot record, plugin/host-local/boot.h): its netns is gone */
	bool live;	   /* its address is on the peer of one of the bridge's ports */
	int port;	   /* index into op_view.ports when live, else -1 */
};

/* Reads the leases (files named like an address) of a host-local store,
 * under the store's lock, through plugin/host-local's store and index. A
 * store that does not exist is no lease. */
int op_leases_read(const struct op_net *net, time_t now, long min_age, struct op_lease **out,
		   size_t *n, struct cni_err *err);
void op_leases_free(struct op_lease *v, size_t n);

struct op_port {
	const struct op_iface *veth; /* host side, a port of the bridge */
	const struct op_ns *ns;	     /* where its peer is, NULL when unknown */
	const struct op_iface *peer; /* the container side, NULL when unknown */
	bool has_lease;		     /* some lease's address is on peer */
};

enum op_rule_kind { OP_RULE_NFT, OP_RULE_IPT, OP_RULE_SPOOF };

/* A netfilter object of an attachment: nftables masquerade rules (by the
 * attachment's hash), an iptables CNI- chain, or spoof-check chains. */
struct op_rule {
	enum op_rule_kind kind;
	char key[300];	       /* hash / chain name / refid "<cid>-<ifname>" */
	char cid[256];	       /* from the comment (nft: "" when the comment was cut) */
	char ifname[IFNAMSIZ]; /* nft only */
	char veth[IFNAMSIZ];   /* spoof-check: the host veth its rule matches */
	int families;	       /* ipt: bit 0 IPv4, bit 1 IPv6 */
	size_t count;	       /* rules seen */
	int lease;	       /* index of a lease of its attachment, -1 = none (leaked) */
};

/* One network as the kernel, the store and netfilter show it. */
struct op_view {
	struct op_net *net;
	const struct op_iface *bridge; /* NULL: no such link */
	struct op_lease *leases;
	size_t n_leases;
	struct op_port *ports;
	size_t n_ports;
	struct op_rule *rules;
	size_t n_rules;
};

struct op_opts {
	const char *conf_dir;
	const char *only; /* NETWORK or NULL */
	long min_age;
	bool json, dry_run;
};

struct op_node {
	struct op_kernel k;
	struct op_net *nets;
	size_t n_nets;
	struct op_view *views; /* one per net */
	/* spoof-check chains of no network: their host veth is gone */
	struct op_rule *stray;
	size_t n_stray;
	char *errors;	  /* problems met while reading ("; " separated), NULL = none */
	size_t n_unfound; /* bridge ports whose peer's netns no path leads to */
};

/* Reads the whole node. Fails (code 5/7) only when nothing useful can be
 * said; problems with single networks or rule listings go to node->errors.
 * A bridge port whose peer is in a netns no path leads to is usually one
 * just deleted (lazily unmounted, torn down a moment later): the snapshot
 * is retaken for up to OP_UNFOUND_WAIT_MS before that is called an error. */
int op_node_load(struct op_node *node, const struct op_opts *o, struct cni_err *err);
void op_node_free(struct op_node *node);
#define OP_UNFOUND_WAIT_MS 2000
void op_node_error(struct op_node *node, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* rules.c: a view's masquerade rules (both backends), and the node's
 * spoof-check chains attributed to views (strays: also those of no network). */
int op_rules_masq(struct op_view *v, struct cni_err *err);
int op_rules_spoof(struct op_node *node, bool strays, struct cni_err *err);

/* What is leaked, derived from the snapshot (the definitions in README). */
bool op_lease_leaked(const struct op_view *v, const struct op_lease *l);
bool op_port_leaked(const struct op_view *v, const struct op_port *p);
/* v NULL: a stray (always leaked). */
bool op_rule_leaked(const struct op_view *v, const struct op_rule *r);
size_t op_leak_count(const struct op_node *node);
/* The attachment of a lease: all its leases are leaked (then DEL applies). */
bool op_attachment_leaked(const struct op_view *v, const struct op_lease *l);

/* The verbs; each returns the process exit status (0, 1, 2). */
int op_cmd_show(const struct op_opts *o);
int op_cmd_leaks(const struct op_opts *o);
int op_cmd_gc(const struct op_opts *o);

/* Output (print.c): tables for people, JSON documented in README. */
void op_print_show(const struct op_node *node, bool json);
void op_print_leaks(const struct op_node *node, bool json, const char *verb);
const char *op_rule_kind_name(enum op_rule_kind k);
