/* The names the reference bridge gives its netfilter objects. They are part
 * of the on-node state: a node can switch between the reference and this
 * plugin, so each must find and delete what the other made. Pure string
 * functions, no I/O; every output buffer is NUL-terminated. */
#pragma once
#include <stddef.h>

/* nftables masquerade (pkg/ip/ipmasq_nftables_linux.go). */
#define MASQ_NFT_TABLE "cni_plugins_masquerade" /* family inet */
#define MASQ_NFT_CHECKS_CHAIN "masq_checks"
#define MASQ_NFT_POSTROUTING_CHAIN "postrouting"
#define MASQ_NFT_COMMENT_MAX 128 /* knftables.CommentLengthMax */
#define MASQ_NFT_NET_HASH_LEN 16
#define MASQ_NFT_INSTANCE_HASH_LEN (2 * 16 + 1)

/* h16(net): the prefix every rule of one network carries. out: 17 bytes. */
void masq_nft_network_hash(const char *net, char *out);
/* h16(net) "-" h16(ifname ":" cid): the prefix of one attachment's rules.
 * out: MASQ_NFT_INSTANCE_HASH_LEN + 1 bytes. */
void masq_nft_instance_hash(const char *net, const char *ifname, const char *cid, char *out);
/* "<instance hash>, net: <net>, if: <ifname>, id: <cid>" with double quotes
 * removed, cut at 128 bytes. out: MASQ_NFT_COMMENT_MAX + 1 bytes. */
void masq_nft_comment(const char *net, const char *ifname, const char *cid, char *out);

/* iptables masquerade (pkg/ip/ipmasq_iptables_linux.go, pkg/utils). */
#define MASQ_IPT_CHAIN_LEN 28 /* "CNI-" + 24 hex */
/* "CNI-" + first 24 hex chars of sha512(net + cid). out: 29 bytes. */
void masq_ipt_chain(const char *net, const char *cid, char *out);
/* `name: "<net>" id: "<cid>"` with Go %q quoting. Returns 0, or -1 when it
 * does not fit in size bytes. */
int masq_ipt_comment(const char *net, const char *cid, char *out, size_t size);

/* macspoofchk (pkg/link/spoofcheck.go); refid is "<cid>-<ifname>". */
#define SPOOFCHK_TABLE "nat" /* family bridge */
#define SPOOFCHK_BASE_CHAIN "PREROUTING"
#define SPOOFCHK_PRIORITY (-300)
/* "cni-br-iface-<cid>-<ifname>"; returns 0, or -1 when longer than size-1. */
int spoofchk_iface_chain(const char *cid, const char *ifname, char *out, size_t size);
/* "cni-br-iface-<cid>-<ifname>-mac". */
int spoofchk_mac_chain(const char *cid, const char *ifname, char *out, size_t size);
/* "macspoofchk-<cid>-<ifname>". */
int spoofchk_comment(const char *cid, const char *ifname, char *out, size_t size);
