#include <string.h>
#include "plugin/host-local/ipmath.h"

int hl_ip_cmp(const struct cni_ip *a, const struct cni_ip *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->addr, b->addr, (size_t)cni_ip_len(a->family));
}

void hl_ip_next(struct cni_ip *ip)
{
	for (int i = cni_ip_len(ip->family) - 1; i >= 0; i--)
		if (++ip->addr[i] != 0)
			break;
}

/* Byte i of the netmask of a prefix. */
static uint8_t mask_byte(int prefix, int i)
{
	int bits = prefix - 8 * i;
	if (bits >= 8)
		return 0xff;
	if (bits <= 0)
		return 0;
	return (uint8_t)(0xff << (8 - bits));
}

struct cni_ip hl_net_first(const struct cni_ipnet *net)
{
	struct cni_ip ip = net->ip;
	hl_ip_next(&ip);
	return ip;
}

struct cni_ip hl_net_last(const struct cni_ipnet *net)
{
	struct cni_ip ip = net->ip;
	for (int i = 0; i < cni_ip_len(ip.family); i++)
		ip.addr[i] |= (uint8_t)~mask_byte(net->prefix, i);
	if (ip.family == AF_INET)
		ip.addr[3]--; /* Go decrements only the last byte: .255 -> .254 */
	return ip;
}

bool hl_net_is_network(const struct cni_ipnet *net)
{
	for (int i = 0; i < cni_ip_len(net->ip.family); i++)
		if (net->ip.addr[i] & (uint8_t)~mask_byte(net->prefix, i))
			return false;
	return true;
}
