/* nftables masquerade with the reference's names. See nft_masq.h. */
#include "lib/nft/nft_masq.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include "lib/nft/expr.h"
#include "lib/names/names.h"
#include "lib/util/vec.h"
#include "lib/nft/nft.h"

#define TABLE_COMMENT "Masquerading for plugins from github.com/containernetworking/plugins"
#define CHECKS_COMMENT                                                                             \
	"Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet"
#define SRCNAT_PRIORITY 100

/* Rules of masq_checks whose comment starts with a prefix. */
struct found_rules {
	const char *prefix;
	struct found_rule {
		uint64_t handle;
		char comment[MASQ_NFT_COMMENT_MAX + 1];
	} * v;
	size_t n, cap;
	const struct cni_ipnet *want; /* check: addresses to look for */
	bool *seen;		      /* seen[i]: a rule matches want[i]'s source */
	size_t n_want;
};

static int collect(const struct nftnl_rule *r, void *data, struct cni_err *err)
{
	struct found_rules *f = data;
	char comment[MASQ_NFT_COMMENT_MAX + 1];
	nft_rule_comment(r, comment, sizeof(comment));
	if (strncmp(comment, f->prefix, strlen(f->prefix)) != 0)
		return 0;
	struct found_rule *slot = array_push(&f->v, &f->n, &f->cap, sizeof(*slot));
	if (!slot)
		return cni_err_set(err, CNI_ERR_IO, "nftables: out of memory");
	slot->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	strcpy(slot->comment, comment);
	for (size_t i = 0; i < f->n_want; i++)
		if (nft_rule_compares(r, f->want[i].ip.addr,
				      (uint32_t)cni_ip_len(f->want[i].ip.family)))
			f->seen[i] = true;
	return 0;
}

static void found_free(struct found_rules *f)
{
	free(f->v);
}

static int find_rules(struct nft_ctx *c, struct found_rules *f, struct cni_err *err)
{
	return nft_dump_rules(c, NFPROTO_INET, MASQ_NFT_TABLE, MASQ_NFT_CHECKS_CHAIN, collect, f,
			      err);
}

static void del_found(struct nft_ctx *c, const struct found_rules *f, size_t i)
{
	nft_del_rule(c, NFPROTO_INET, MASQ_NFT_TABLE, MASQ_NFT_CHECKS_CHAIN, f->v[i].handle);
}

/* "ip daddr 224.0.0.0/4 return" and its IPv6 twin. */
static struct nftnl_rule *multicast_return(int family)
{
	struct cni_ipnet mc = {.ip.family = family};
	if (family == AF_INET) {
		mc.ip.addr[0] = 224;
		mc.prefix = 4;
	} else {
		mc.ip.addr[0] = 0xff;
		mc.prefix = 8;
	}
	struct nftnl_rule *r =
	    nft_rule_new(NFPROTO_INET, MASQ_NFT_TABLE, MASQ_NFT_POSTROUTING_CHAIN, NULL);
	if (r && (nft_expr_daddr_in(r, &mc, 0) < 0 || nft_expr_verdict(r, NFT_RETURN, NULL) < 0)) {
		nftnl_rule_free(r);
		r = NULL;
	}
	return r;
}

static struct nftnl_rule *goto_checks(void)
{
	struct nftnl_rule *r =
	    nft_rule_new(NFPROTO_INET, MASQ_NFT_TABLE, MASQ_NFT_POSTROUTING_CHAIN, NULL);
	if (r && nft_expr_verdict(r, NFT_GOTO, MASQ_NFT_CHECKS_CHAIN) < 0) {
		nftnl_rule_free(r);
		r = NULL;
	}
	return r;
}

/* postrouting's rules, in order, as the reference writes them. */
#define POSTROUTING_RULES 3
static const char *const postrouting_what[POSTROUTING_RULES] = {
    "ip daddr 224.0.0.0/4 return", "ip6 daddr ff00::/8 return",
    ("goto " MASQ_NFT_CHECKS_CHAIN), /* parenthesised: one element, on purpose */
};

static struct nftnl_rule *postrouting_rule(size_t i)
{
	if (i == 0)
		return multicast_return(AF_INET);
	return i == 1 ? multicast_return(AF_INET6) : goto_checks();
}

/* The table and both chains, with postrouting rebuilt as the reference
 * does, so that its three rules are right even if someone edited them. */
static void queue_skeleton(struct nft_ctx *c)
{
	nft_add_table(c, NFPROTO_INET, MASQ_NFT_TABLE, TABLE_COMMENT);
	nft_add_chain(c, NFPROTO_INET, MASQ_NFT_TABLE, MASQ_NFT_CHECKS_CHAIN, NULL, 0, 0,
		      CHECKS_COMMENT);
	nft_add_chain(c, NFPROTO_INET, MASQ_NFT_TABLE, MASQ_NFT_POSTROUTING_CHAIN, "nat",
		      NF_INET_POST_ROUTING, SRCNAT_PRIORITY, NULL);
	nft_flush_chain(c, NFPROTO_INET, MASQ_NFT_TABLE, MASQ_NFT_POSTROUTING_CHAIN);
	for (size_t i = 0; i < POSTROUTING_RULES; i++)
		nft_add_rule(c, postrouting_rule(i), postrouting_what[i]);
}

/* Listed postrouting rules against the ones queue_skeleton writes. */
struct postrouting_check {
	struct nftnl_rule *want[POSTROUTING_RULES];
	size_t n; /* rules listed so far */
	bool same;
};

static int compare_postrouting(const struct nftnl_rule *r, void *data, struct cni_err *err)
{
	struct postrouting_check *p = data;
	(void)err;
	if (p->n >= POSTROUTING_RULES || nftnl_rule_is_set(r, NFTNL_RULE_USERDATA) ||
	    !nft_rule_same_exprs(r, p->want[p->n]))
		p->same = false;
	p->n++;
	return 0;
}

/* 1 when postrouting holds exactly the rules queue_skeleton would write, 0
 * when not (or when it is missing), -1 on error. Rebuilding postrouting
 * flushes it, and a transaction that deletes anything makes the socket's
 * close wait for an RCU grace period (see nft_close()): most of an ADD's
 * time. When this says 1, the table and both chains exist too: the kernel
 * refuses to delete masq_checks while postrouting's goto points at it. */
static int postrouting_is_intact(struct nft_ctx *c, struct cni_err *err)
{
	struct postrouting_check p = {.same = true};
	int rc = -1;
	for (size_t i = 0; i < POSTROUTING_RULES; i++)
		if (!(p.want[i] = postrouting_rule(i))) {
			cni_err_set(err, CNI_ERR_IO, "nftables: out of memory");
			goto out;
		}
	if (nft_dump_rules(c, NFPROTO_INET, MASQ_NFT_TABLE, MASQ_NFT_POSTROUTING_CHAIN,
			   compare_postrouting, &p, err) < 0)
		goto out;
	rc = p.same && p.n == POSTROUTING_RULES;
out:
	for (size_t i = 0; i < POSTROUTING_RULES; i++)
		if (p.want[i])
			nftnl_rule_free(p.want[i]);
	return rc;
}

static void queue_masq_rule(struct nft_ctx *c, const struct cni_ipnet *ip, const char *comment)
{
	char addr[CNI_IPNET_STRLEN], what[2 * CNI_IPNET_STRLEN + 64];
	struct cni_ipnet subnet = cni_ipnet_network(ip);
	const char *fam = ip->ip.family == AF_INET ? "ip" : "ip6";
	cni_ip_format(&ip->ip, addr);
	snprintf(what, sizeof(what), "%s saddr %s %s daddr != ", fam, addr, fam);
	cni_ipnet_format(&subnet, what + strlen(what));
	strcat(what, " masquerade");

	struct nftnl_rule *r =
	    nft_rule_new(NFPROTO_INET, MASQ_NFT_TABLE, MASQ_NFT_CHECKS_CHAIN, comment);
	if (r && (nft_expr_saddr_eq(r, &ip->ip) < 0 || nft_expr_daddr_in(r, ip, 1) < 0 ||
		  nft_expr_masquerade(r) < 0)) {
		nftnl_rule_free(r);
		r = NULL;
	}
	nft_add_rule(c, r, what);
}

/* One transaction. With reuse, an intact postrouting is left alone and
 * *reused says so; without, it is rebuilt unconditionally. */
static int setup_attempt(const char *net, const char *ifname, const char *cid,
			 const struct cni_ipnet *ips, size_t n, bool reuse, bool *reused,
			 struct cni_err *err)
{
	char hash[MASQ_NFT_INSTANCE_HASH_LEN + 1], comment[MASQ_NFT_COMMENT_MAX + 1];
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct found_rules stale = {.prefix = hash};
	int rc = -1, intact = 0;

	masq_nft_instance_hash(net, ifname, cid, hash);
	masq_nft_comment(net, ifname, cid, comment);
	if (nft_open(&c, err) < 0 || find_rules(&c, &stale, err) < 0 ||
	    (reuse && (intact = postrouting_is_intact(&c, err)) < 0))
		goto out;
	*reused = intact;
	if (!intact)
		queue_skeleton(&c);
	for (size_t i = 0; i < stale.n; i++)
		del_found(&c, &stale, i);
	for (size_t i = 0; i < n; i++)
		queue_masq_rule(&c, &ips[i], comment);
	rc = nft_commit(&c, err);
out:
	found_free(&stale);
	return rc;
}

int masq_nft_setup(const char *net, const char *ifname, const char *cid,
		   const struct cni_ipnet *ips, size_t n, struct cni_err *err)
{
	bool reused = false;
	if (setup_attempt(net, ifname, cid, ips, n, true, &reused, err) == 0)
		return 0;
	if (!reused)
		return -1;
	/* Someone deleted the table or a chain between our listing and our
	 * commit: do it the full way once, as the reference always does. */
	cni_err_clear(err);
	return setup_attempt(net, ifname, cid, ips, n, false, &reused, err);
}

/* Deletes over c, opening it first when the caller has not. */
static int teardown_hash_on(struct nft_ctx *c, const char *instance_hash, struct cni_err *err)
{
	struct found_rules found = {.prefix = instance_hash};
	int rc = -1;

	if (!nft_is_open(c) && nft_open(c, err) < 0) {
		/* No nfnetlink at all: no rule of ours can exist. */
		cni_err_clear(err);
		return 0;
	}
	if (find_rules(c, &found, err) < 0)
		goto out;
	for (size_t i = 0; i < found.n; i++)
		del_found(c, &found, i);
	rc = nft_commit(c, err);
out:
	found_free(&found);
	return rc;
}

int masq_nft_teardown(const char *net, const char *ifname, const char *cid, struct cni_err *err)
{
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	return masq_nft_teardown_on(&c, net, ifname, cid, err);
}

int masq_nft_teardown_on(struct nft_ctx *c, const char *net, const char *ifname, const char *cid,
			 struct cni_err *err)
{
	char hash[MASQ_NFT_INSTANCE_HASH_LEN + 1];
	masq_nft_instance_hash(net, ifname, cid, hash);
	return teardown_hash_on(c, hash, err);
}

int masq_nft_teardown_hash(const char *instance_hash, struct cni_err *err)
{
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	return teardown_hash_on(&c, instance_hash, err);
}

/* Opens c and collects the masq_checks rules of network net: those whose
 * comment starts with "<h16(net)>-". found points into hash. */
static int find_network_rules(struct nft_ctx *c, const char *net,
			      char hash[MASQ_NFT_NET_HASH_LEN + 2], struct found_rules *found,
			      struct cni_err *err)
{
	masq_nft_network_hash(net, hash);
	strcat(hash, "-");
	*found = (struct found_rules){.prefix = hash};
	return nft_open(c, err) < 0 || find_rules(c, found, err) < 0 ? -1 : 0;
}

int masq_nft_list(const char *net, masq_nft_list_fn *fn, void *arg, struct cni_err *err)
{
	char hash[MASQ_NFT_NET_HASH_LEN + 2];
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct found_rules found;
	int rc = -1;

	if (find_network_rules(&c, net, hash, &found, err) < 0)
		goto out;
	for (size_t i = 0; i < found.n; i++)
		fn(found.v[i].comment, arg);
	rc = 0;
out:
	found_free(&found);
	return rc;
}

int masq_nft_check(const char *net, const char *ifname, const char *cid,
		   const struct cni_ipnet *ips, size_t n, struct cni_err *err)
{
	char hash[MASQ_NFT_INSTANCE_HASH_LEN + 1], addr[CNI_IPNET_STRLEN];
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	bool seen[n ? n : 1];
	struct found_rules found = {.prefix = hash, .want = ips, .seen = seen, .n_want = n};
	int rc = -1;

	memset(seen, 0, sizeof(seen));
	masq_nft_instance_hash(net, ifname, cid, hash);
	if (nft_open(&c, err) < 0 || find_rules(&c, &found, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!seen[i]) {
			cni_err_set(err, CNI_ERR_INTERNAL,
				    "nftables: no masquerade rule for %s in inet %s %s "
				    "(comment prefix %s)",
				    cni_ip_format(&ips[i].ip, addr), MASQ_NFT_TABLE,
				    MASQ_NFT_CHECKS_CHAIN, hash);
			goto out;
		}
	rc = 0;
out:
	found_free(&found);
	return rc;
}

static bool comment_is_valid(const char *comment, const char *net,
			     const struct cni_attachment *valid, size_t n)
{
	char want[MASQ_NFT_COMMENT_MAX + 1];
	for (size_t i = 0; i < n; i++) {
		masq_nft_comment(net, valid[i].ifname, valid[i].container_id, want);
		if (strcmp(want, comment) == 0)
			return true;
	}
	return false;
}

int masq_nft_gc(const char *net, const struct cni_attachment *valid, size_t n, struct cni_err *err)
{
	char hash[MASQ_NFT_NET_HASH_LEN + 2];
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct found_rules found;
	int rc = -1;

	if (find_network_rules(&c, net, hash, &found, err) < 0)
		goto out;
	for (size_t i = 0; i < found.n; i++)
		if (!comment_is_valid(found.v[i].comment, net, valid, n))
			del_found(&c, &found, i);
	rc = nft_commit(&c, err);
out:
	found_free(&found);
	return rc;
}

bool masq_nft_usable(void)
{
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct cni_err ignored = {0};

	return nft_open(&c, &ignored) == 0;
}
