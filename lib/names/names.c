/* Reference-compatible names; see names.h. */
#include "lib/names/names.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/names/quote.h"
#include "lib/names/sha512.h"

/* sha512 hex prefix of a + b + c, for any length (container IDs are not
 * bounded by the spec). */
static void hash3(const char *a, const char *b, const char *c, size_t n, char *out)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char small[512], *buf = la + lb + lc < sizeof(small) ? small : malloc(la + lb + lc + 1);
	if (!buf) {
		abort(); /* a name we cannot compute would make us delete the wrong rules */
	}
	memcpy(buf, a, la);
	memcpy(buf + la, b, lb);
	memcpy(buf + la + lb, c, lc + 1);
	sha512_hex_prefix(buf, n, out);
	if (buf != small)
		free(buf);
}

void masq_nft_network_hash(const char *net, char *out)
{
	sha512_hex_prefix(net, MASQ_NFT_NET_HASH_LEN, out);
}

void masq_nft_instance_hash(const char *net, const char *ifname, const char *cid, char *out)
{
	masq_nft_network_hash(net, out);
	out[MASQ_NFT_NET_HASH_LEN] = '-';
	hash3(ifname, ":", cid, 16, out + MASQ_NFT_NET_HASH_LEN + 1);
}

/* Appends s without double quotes, never past MASQ_NFT_COMMENT_MAX. */
static void append_unquoted(char *out, size_t *pos, const char *s)
{
	for (; *s && *pos < MASQ_NFT_COMMENT_MAX; s++)
		if (*s != '"')
			out[(*pos)++] = *s;
}

void masq_nft_comment(const char *net, const char *ifname, const char *cid, char *out)
{
	size_t pos;
	masq_nft_instance_hash(net, ifname, cid, out);
	pos = strlen(out);
	append_unquoted(out, &pos, ", net: ");
	append_unquoted(out, &pos, net);
	append_unquoted(out, &pos, ", if: ");
	append_unquoted(out, &pos, ifname);
	append_unquoted(out, &pos, ", id: ");
	append_unquoted(out, &pos, cid);
	out[pos] = '\0';
}

void masq_ipt_chain(const char *net, const char *cid, char *out)
{
	memcpy(out, "CNI-", 4);
	hash3(net, cid, "", MASQ_IPT_CHAIN_LEN - 4, out + 4);
}

static int put(char *out, size_t size, size_t *pos, const char *s, size_t n)
{
	if (*pos + n + 1 > size)
		return -1;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
	return 0;
}

int masq_ipt_comment(const char *net, const char *cid, char *out, size_t size)
{
	size_t pos = 0;
	if (size)
		out[0] = '\0';
	if (put(out, size, &pos, "name: ", 6) < 0 || go_quote(net, out, size, &pos) < 0 ||
	    put(out, size, &pos, " id: ", 5) < 0 || go_quote(cid, out, size, &pos) < 0)
		return -1;
	return 0;
}

static int fmt_fit(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int spoofchk_iface_chain(const char *cid, const char *ifname, char *out, size_t size)
{
	return fmt_fit(out, size, "cni-br-iface-%s-%s", cid, ifname);
}

int spoofchk_mac_chain(const char *cid, const char *ifname, char *out, size_t size)
{
	return fmt_fit(out, size, "cni-br-iface-%s-%s-mac", cid, ifname);
}

int spoofchk_comment(const char *cid, const char *ifname, char *out, size_t size)
{
	return fmt_fit(out, size, "macspoofchk-%s-%s", cid, ifname);
}
