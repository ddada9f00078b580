/* Rule expressions encoded as `nft` encodes them. See expr.h. */
#include "lib/nft/expr.h"

#include <stdbool.h>
#include <string.h>
#include <net/if.h>
#include "lib/nft/nftnl_dl.h"
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

struct nftnl_rule *nft_rule_new(uint16_t family, const char *table, const char *chain,
				const char *comment)
{
	struct nftnl_rule *r;

	/* NULL as for a failed allocation; nft_open already named the cause. */
	if (nftnl_dl_load(NULL) < 0 || !(r = nftnl_rule_alloc()))
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	if (comment) {
		struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
		if (!u || !nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, comment)) {
			nftnl_udata_buf_free(u);
			nftnl_rule_free(r);
			return NULL;
		}
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
				    nftnl_udata_buf_len(u));
		nftnl_udata_buf_free(u);
	}
	return r;
}

struct comment_out {
	char *buf;
	size_t size;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	struct comment_out *o = data;
	if (nftnl_udata_type(attr) != NFTNL_UDATA_RULE_COMMENT)
		return 0;
	size_t len = nftnl_udata_len(attr);
	const char *v = nftnl_udata_get(attr);
	/* nft stores the comment with its NUL; tolerate writers that don't. */
	if (len && v[len - 1] == '\0')
		len--;
	if (len >= o->size)
		len = o->size - 1;
	memcpy(o->buf, v, len);
	o->buf[len] = '\0';
	return 0;
}

const char *nft_rule_comment(const struct nftnl_rule *r, char *buf, size_t size)
{
	struct comment_out o = {buf, size};
	uint32_t len = 0;
	const void *ud;
	buf[0] = '\0';
	if (!nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
		return buf;
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	if (ud)
		nftnl_udata_parse(ud, len, comment_cb, &o);
	return buf;
}

bool nft_rule_compares(const struct nftnl_rule *r, const void *data, uint32_t len)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	bool found = false;
	while (it && !found && (e = nftnl_expr_iter_next(it))) {
		uint32_t have_len = 0;
		const void *have;
		if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "cmp") != 0)
			continue;
		have = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &have_len);
		found = have && have_len == len && memcmp(have, data, len) == 0;
	}
	nftnl_expr_iter_destroy(it);
	return found;
}

/* An attribute the kernel lists although it holds the value that leaving
 * it out means. */
static bool is_default(const struct nftnl_expr *e, uint16_t type)
{
	return type == NFTNL_EXPR_BITWISE_OP &&
	       strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "bitwise") == 0 &&
	       nftnl_expr_get_u32(e, type) == NFT_BITWISE_BOOL;
}

static bool attr_equal(const struct nftnl_expr *a, const struct nftnl_expr *b, uint16_t type)
{
	bool in_a = nftnl_expr_is_set(a, type), in_b = nftnl_expr_is_set(b, type);
	uint32_t len_a = 0, len_b = 0;
	const void *va, *vb;
	if (!in_a && !in_b)
		return true;
	if (!in_a || !in_b)
		return in_a ? is_default(a, type) : is_default(b, type);
	va = nftnl_expr_get(a, type, &len_a);
	vb = nftnl_expr_get(b, type, &len_b);
	return va && vb && len_a == len_b && memcmp(va, vb, len_a) == 0;
}

/* libnftnl keeps which attributes are set in a 32-bit mask. */
#define EXPR_ATTR_MAX 31

static bool expr_equal(const struct nftnl_expr *a, const struct nftnl_expr *b)
{
	if (strcmp(nftnl_expr_get_str(a, NFTNL_EXPR_NAME), nftnl_expr_get_str(b, NFTNL_EXPR_NAME)))
		return false;
	for (uint16_t type = NFTNL_EXPR_BASE; type <= EXPR_ATTR_MAX; type++)
		if (!attr_equal(a, b, type))
			return false;
	return true;
}

bool nft_rule_same_exprs(const struct nftnl_rule *a, const struct nftnl_rule *b)
{
	struct nftnl_expr_iter *ia = nftnl_expr_iter_create(a), *ib = nftnl_expr_iter_create(b);
	struct nftnl_expr *ea = NULL, *eb = NULL;
	bool same = ia && ib;
	while (same) {
		ea = nftnl_expr_iter_next(ia);
		eb = nftnl_expr_iter_next(ib);
		if (!ea || !eb)
			break;
		same = expr_equal(ea, eb);
	}
	same = same && !ea && !eb;
	if (ia)
		nftnl_expr_iter_destroy(ia);
	if (ib)
		nftnl_expr_iter_destroy(ib);
	return same;
}

static struct nftnl_expr *add(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);
	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

static int meta_load(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = add(r, "meta");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return 0;
}

static int payload_load(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = add(r, "payload");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	return 0;
}

static int cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = add(r, "cmp");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

static int bitwise_mask(struct nftnl_rule *r, const uint8_t *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = add(r, "bitwise");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	return 0;
}

static bool has_nfproto(struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	bool found = false;
	while (it && !found && (e = nftnl_expr_iter_next(it)))
		found = !strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "meta") &&
			nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_NFPROTO;
	nftnl_expr_iter_destroy(it);
	return found;
}

/* In an inet table an IP match needs "meta nfproto ipv4/ipv6" first, or
 * nft cannot tell which header the offsets refer to; once per rule, as nft
 * writes it. */
static int nfproto_eq(struct nftnl_rule *r, int family)
{
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	if (nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) != NFPROTO_INET || has_nfproto(r))
		return 0;
	return meta_load(r, NFT_META_NFPROTO) < 0 ? -1 : cmp(r, NFT_CMP_EQ, &proto, 1);
}

/* Offsets of saddr/daddr in the IPv4 and IPv6 headers. */
static uint32_t addr_offset(int family, int dst)
{
	if (family == AF_INET)
		return dst ? 16 : 12;
	return dst ? 24 : 8;
}

int nft_expr_saddr_eq(struct nftnl_rule *r, const struct cni_ip *addr)
{
	uint32_t len = (uint32_t)cni_ip_len(addr->family);
	if (nfproto_eq(r, addr->family) < 0 ||
	    payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(addr->family, 0), len) < 0)
		return -1;
	return cmp(r, NFT_CMP_EQ, addr->addr, len);
}

int nft_expr_daddr_in(struct nftnl_rule *r, const struct cni_ipnet *net, int negate)
{
	struct cni_ipnet n = cni_ipnet_network(net);
	int family = n.ip.family;
	/* Like nft: a byte-aligned prefix loads only the bytes it covers;
	 * any other (and /0) loads the whole address and masks it. */
	uint32_t full = (uint32_t)cni_ip_len(family), bits = n.prefix % 8;
	bool masked = bits || n.prefix == 0;
	uint32_t bytes = masked ? full : n.prefix / 8u;
	if (nfproto_eq(r, family) < 0 ||
	    payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(family, 1), bytes) < 0)
		return -1;
	if (masked) {
		uint8_t mask[16] = {0};
		memset(mask, 0xff, n.prefix / 8u);
		if (bits)
			mask[n.prefix / 8u] = (uint8_t)(0xff << (8 - bits));
		if (bitwise_mask(r, mask, bytes) < 0)
			return -1;
	}
	return cmp(r, negate ? NFT_CMP_NEQ : NFT_CMP_EQ, n.ip.addr, bytes);
}

int nft_expr_iifname_eq(struct nftnl_rule *r, const char *ifname)
{
	char name[IFNAMSIZ] = {0};
	strncpy(name, ifname, IFNAMSIZ - 1);
	if (meta_load(r, NFT_META_IIFNAME) < 0)
		return -1;
	return cmp(r, NFT_CMP_EQ, name, IFNAMSIZ);
}

int nft_expr_ether_saddr_eq(struct nftnl_rule *r, const uint8_t mac[6])
{
	if (payload_load(r, NFT_PAYLOAD_LL_HEADER, 6, 6) < 0)
		return -1;
	return cmp(r, NFT_CMP_EQ, mac, 6);
}

int nft_expr_masquerade(struct nftnl_rule *r)
{
	return add(r, "masq") ? 0 : -1;
}

int nft_expr_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
	struct nftnl_expr *e = add(r, "immediate");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	return 0;
}
