/* IP addresses and prefixes with Go's net.IP / types.IPNet semantics. */
#include "lib/cni/ipnet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int cni_ip_parse(const char *s, struct cni_ip *out)
{
	struct cni_ip ip = {0};
	if (!s)
		return -1;
	if (inet_pton(AF_INET, s, ip.addr) == 1) {
		ip.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, ip.addr) == 1) {
		ip.family = AF_INET6;
		/* Go's To4(): an IPv4-mapped address is an IPv4 address. */
		if (memcmp(ip.addr, v4mapped_prefix, 12) == 0) {
			memmove(ip.addr, ip.addr + 12, 4);
			memset(ip.addr + 4, 0, 12);
			ip.family = AF_INET;
		}
	} else {
		return -1;
	}
	*out = ip;
	return 0;
}

int cni_ipnet_parse(const char *s, struct cni_ipnet *out)
{
	if (!s)
		return -1;
	const char *slash = strchr(s, '/');
	if (!slash || slash == s)
		return -1;
	size_t alen = (size_t)(slash - s);
	char addr[INET6_ADDRSTRLEN + 1];
	if (alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';

	const char *p = slash + 1;
	if (*p == '\0' || strlen(p) > 3)
		return -1;
	unsigned prefix = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		prefix = prefix * 10 + (unsigned)(*p - '0');
	}
	struct cni_ipnet n = {0};
	if (cni_ip_parse(addr, &n.ip) < 0)
		return -1;
	/* The prefix counts bits of the address as written: "::ffff:a.b.c.d/120"
	 * is a 128-bit mask that Go prints as a.b.c.d/24. */
	bool written_v6 = strchr(addr, ':') != NULL;
	unsigned bits = written_v6 ? 128 : 32;
	if (prefix > bits)
		return -1;
	if (written_v6 && n.ip.family == AF_INET) {
		if (prefix < 96)
			return -1;
		prefix -= 96;
	}
	n.prefix = (uint8_t)prefix;
	*out = n;
	return 0;
}

/* RFC 5952, as Go's net.IP.String: lowercase hex, the longest run of two or
 * more zero groups (the first on a tie) becomes "::", never dotted IPv4. */
static char *format_v6(const uint8_t *a, char *buf)
{
	unsigned g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	int best = -1, best_len = 0;
	for (int i = 0; i < 8;) {
		if (g[i] != 0) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j;
	}
	char *p = buf;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i > 0 && i != best + best_len)
			*p++ = ':';
		p += sprintf(p, "%x", g[i]);
	}
	*p = '\0';
	return buf;
}

char *cni_ip_format(const struct cni_ip *ip, char *buf)
{
	if (ip->family == AF_INET)
		snprintf(buf, CNI_IPNET_STRLEN, "%u.%u.%u.%u", ip->addr[0], ip->addr[1],
			 ip->addr[2], ip->addr[3]);
	else if (ip->family == AF_INET6)
		format_v6(ip->addr, buf);
	else
		snprintf(buf, CNI_IPNET_STRLEN, "<nil>");
	return buf;
}

char *cni_ipnet_format(const struct cni_ipnet *n, char *buf)
{
	cni_ip_format(&n->ip, buf);
	if (n->ip.family)
		snprintf(buf + strlen(buf), 5, "/%u", n->prefix);
	return buf;
}

struct cni_ipnet cni_ipnet_network(const struct cni_ipnet *n)
{
	struct cni_ipnet r = *n;
	int len = cni_ip_len(n->ip.family);
	for (int i = 0; i < len; i++) {
		int keep = (int)n->prefix - 8 * i;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
		r.ip.addr[i] &= mask;
	}
	for (int i = len; i < 16; i++)
		r.ip.addr[i] = 0;
	return r;
}

bool cni_ip_equal(const struct cni_ip *a, const struct cni_ip *b)
{
	return a->family == b->family &&
	       memcmp(a->addr, b->addr, (size_t)cni_ip_len(a->family)) == 0;
}

bool cni_ipnet_contains(const struct cni_ipnet *net, const struct cni_ip *ip)
{
	if (net->ip.family != ip->family)
		return false;
	struct cni_ipnet probe = {.ip = *ip, .prefix = net->prefix};
	struct cni_ipnet a = cni_ipnet_network(net), b = cni_ipnet_network(&probe);
	return cni_ip_equal(&a.ip, &b.ip);
}
