/* IP addresses and prefixes as the CNI result carries them. An address keeps
 * its host bits ("10.1.0.5/16"), as Go's types.IPNet does. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define CNI_IPNET_STRLEN (INET6_ADDRSTRLEN + 4)

struct cni_ip {
	int family;	  /* AF_INET or AF_INET6; 0 = unset */
	uint8_t addr[16]; /* network order; IPv4 uses addr[0..3] */
};

struct cni_ipnet {
	struct cni_ip ip;
	uint8_t prefix;
};

/* Parse "10.1.0.5" / "fd00::5". IPv4-mapped IPv6 is taken as IPv4, as Go's
 * To4() does. Returns 0 or -1. */
int cni_ip_parse(const char *s, struct cni_ip *out);
/* Parse "10.1.0.5/16". Host bits are kept. Returns 0 or -1. */
int cni_ipnet_parse(const char *s, struct cni_ipnet *out);
/* buf must hold CNI_IPNET_STRLEN bytes. Returns buf. */
char *cni_ip_format(const struct cni_ip *ip, char *buf);
char *cni_ipnet_format(const struct cni_ipnet *n, char *buf);
/* The prefix's network (host bits cleared). */
struct cni_ipnet cni_ipnet_network(const struct cni_ipnet *n);
bool cni_ip_equal(const struct cni_ip *a, const struct cni_ip *b);
bool cni_ipnet_contains(const struct cni_ipnet *net, const struct cni_ip *ip);
static inline int cni_ip_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}
static inline int cni_ip_len(int family)
{
	return family == AF_INET ? 4 : 16;
}
