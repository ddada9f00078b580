/* macspoofchk over nftables netlink. See spoofchk.h. */
#include "lib/nft/spoofchk.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/nft/nftnl_dl.h"
#include "lib/nft/expr.h" /* before the linux/ headers: it brings netinet/in.h */
#include "lib/names/names.h"
#include "lib/nft/nft.h"
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

/* The bridge family numbers its hooks like inet: NF_BR_PRE_ROUTING == 0
 * (linux/netfilter_bridge.h clashes with the glibc headers). */
#define BR_PRE_ROUTING NF_INET_PRE_ROUTING

#define CHAIN_MAX 256 /* NFT_CHAIN_MAXNAMELEN */

struct spoof_names {
	char iface[CHAIN_MAX], mac[CHAIN_MAX], comment[CHAIN_MAX];
};

static int names_for(const char *cid, const char *ifname, struct spoof_names *nm,
		     struct cni_err *err)
{
	if (spoofchk_iface_chain(cid, ifname, nm->iface, sizeof(nm->iface)) < 0 ||
	    spoofchk_mac_chain(cid, ifname, nm->mac, sizeof(nm->mac)) < 0 ||
	    spoofchk_comment(cid, ifname, nm->comment, sizeof(nm->comment)) < 0)
		return cni_err_set(
		    err, CNI_ERR_INVALID_CONFIG,
		    "macspoofchk: container ID %s too long for an nftables chain name", cid);
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6], struct cni_err *err)
{
	unsigned b[6];
	char sep[5], end;
	int n = sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &b[0], &sep[0], &b[1], &sep[1], &b[2],
		       &sep[2], &b[3], &sep[3], &b[4], &sep[4], &b[5], &end);
	bool ok = n == 11 && strlen(s) == 17;
	for (int i = 0; ok && i < 5; i++)
		ok = (sep[i] == ':' || sep[i] == '-') && sep[i] == sep[0];
	if (!ok)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "macspoofchk: invalid MAC address %s", s);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* Handles of the rules of one chain that carry the comment; with want_mac,
 * also whether one of them compares against that MAC. */
struct tagged {
	const char *comment;
	uint64_t handles[64];
	size_t n;
	const uint8_t *want_mac;
	bool mac_found;
};

static int collect(const struct nftnl_rule *r, void *data, struct cni_err *err)
{
	struct tagged *t = data;
	char comment[CHAIN_MAX];
	(void)err;
	if (strcmp(nft_rule_comment(r, comment, sizeof(comment)), t->comment) == 0 &&
	    t->n < sizeof(t->handles) / sizeof(t->handles[0])) {
		t->handles[t->n++] = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		if (t->want_mac && nft_rule_compares(r, t->want_mac, 6))
			t->mac_found = true;
	}
	return 0;
}

static int find_tagged(struct nft_ctx *c, const char *chain, struct tagged *t, struct cni_err *err)
{
	return nft_dump_rules(c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, chain, collect, t, err);
}

static void del_tagged(struct nft_ctx *c, const struct tagged *t)
{
	for (size_t i = 0; i < t->n; i++)
		nft_del_rule(c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, SPOOFCHK_BASE_CHAIN, t->handles[i]);
}

static struct nftnl_rule *rule(const char *chain, const struct spoof_names *nm)
{
	return nft_rule_new(NFPROTO_BRIDGE, SPOOFCHK_TABLE, chain, nm->comment);
}

/* Returns r, or NULL (after freeing r) when building it failed (rc < 0). */
static struct nftnl_rule *built(struct nftnl_rule *r, int rc)
{
	if (r && rc < 0) {
		nftnl_rule_free(r);
		return NULL;
	}
	return r;
}

static void queue_rules(struct nft_ctx *c, const char *host_ifname, const uint8_t mac[6],
			const struct spoof_names *nm)
{
	struct nftnl_rule *r = rule(SPOOFCHK_BASE_CHAIN, nm);
	r = built(r, r ? nft_expr_iifname_eq(r, host_ifname) : -1);
	r = built(r, r ? nft_expr_verdict(r, NFT_JUMP, nm->iface) : -1);
	nft_add_rule(c, r, "iifname jump");

	r = rule(nm->iface, nm);
	r = built(r, r ? nft_expr_verdict(r, NFT_JUMP, nm->mac) : -1);
	nft_add_rule(c, r, "jump");

	r = rule(nm->mac, nm);
	r = built(r, r ? nft_expr_ether_saddr_eq(r, mac) : -1);
	r = built(r, r ? nft_expr_verdict(r, NFT_RETURN, NULL) : -1);
	nft_add_rule(c, r, "ether saddr return");

	r = rule(nm->mac, nm);
	r = built(r, r ? nft_expr_verdict(r, NF_DROP, NULL) : -1);
	nft_add_rule(c, r, "drop");
}

int spoofchk_setup(const char *host_ifname, const char *mac_str, const char *cid,
		   const char *ifname, struct cni_err *err)
{
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct spoof_names nm;
	uint8_t mac[6];
	struct tagged old = {.comment = nm.comment};

	if (names_for(cid, ifname, &nm, err) < 0 || parse_mac(mac_str, mac, err) < 0 ||
	    nft_open(&c, err) < 0 || find_tagged(&c, SPOOFCHK_BASE_CHAIN, &old, err) < 0)
		return -1;
	nft_add_table(&c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, NULL);
	nft_add_chain(&c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, SPOOFCHK_BASE_CHAIN, "filter",
		      BR_PRE_ROUTING, SPOOFCHK_PRIORITY, NULL);
	nft_add_chain(&c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, nm.iface, NULL, 0, 0, NULL);
	nft_add_chain(&c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, nm.mac, NULL, 0, 0, NULL);
	del_tagged(&c, &old);
	nft_flush_chain(&c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, nm.iface);
	nft_flush_chain(&c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, nm.mac);
	queue_rules(&c, host_ifname, mac, &nm);
	return nft_commit(&c, err);
}

int spoofchk_teardown(const char *cid, const char *ifname, struct cni_err *err)
{
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	return spoofchk_teardown_on(&c, cid, ifname, err);
}

int spoofchk_teardown_on(struct nft_ctx *c, const char *cid, const char *ifname,
			 struct cni_err *err)
{
	struct spoof_names nm;
	struct tagged old = {.comment = nm.comment};
	int iface, mac;

	if (names_for(cid, ifname, &nm, err) < 0 || (!nft_is_open(c) && nft_open(c, err) < 0) ||
	    find_tagged(c, SPOOFCHK_BASE_CHAIN, &old, err) < 0)
		return -1;
	iface = nft_chain_exists(c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, nm.iface, err);
	mac = iface < 0 ? -1 : nft_chain_exists(c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, nm.mac, err);
	if (mac < 0)
		return -1;
	/* Order matters: a chain can only go once nothing jumps to it. */
	del_tagged(c, &old);
	if (iface)
		nft_del_chain(c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, nm.iface);
	if (mac)
		nft_del_chain(c, NFPROTO_BRIDGE, SPOOFCHK_TABLE, nm.mac);
	return nft_commit(c, err);
}

int spoofchk_check(const char *mac_str, const char *cid, const char *ifname, struct cni_err *err)
{
	struct nft_ctx c __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct spoof_names nm;
	uint8_t mac[6];
	struct tagged base = {.comment = nm.comment}, macs = {.comment = nm.comment};

	if (names_for(cid, ifname, &nm, err) < 0 || (mac_str && parse_mac(mac_str, mac, err) < 0))
		return -1;
	macs.want_mac = mac_str ? mac : NULL;
	if (nft_open(&c, err) < 0 || find_tagged(&c, SPOOFCHK_BASE_CHAIN, &base, err) < 0 ||
	    find_tagged(&c, nm.mac, &macs, err) < 0)
		return -1;
	if (base.n == 0)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "macspoofchk: no rule \"%s\" in bridge nat PREROUTING",
				   nm.comment);
	if (macs.n < 2)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "macspoofchk: chain bridge nat %s lacks its rules", nm.mac);
	if (mac_str && !macs.mac_found)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "macspoofchk: chain bridge nat %s does not allow MAC %s", nm.mac,
				   mac_str);
	return 0;
}
