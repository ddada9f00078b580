/* Drives lib/nft and lib/ipt directly, for the integration tests:
 *   masq_tool names <net> <ifname> <cid>          print chain, comment, hashes
 *   masq_tool nft-setup <net> <ifname> <cid> <ip/prefix>...
 *   masq_tool nft-teardown <net> <ifname> <cid>
 *   masq_tool nft-check <net> <ifname> <cid> <ip/prefix>...
 *   masq_tool nft-gc <net> [<cid>:<ifname>...]  keep only those attachments
 *   masq_tool ipt-setup <net> <cid> <ip/prefix>...
 *   masq_tool ipt-teardown <net> <cid> [<ip/prefix>...]
 *   masq_tool ipt-check <net> <cid> <ip/prefix>...
 *   masq_tool ipt-gc <net> [<cid>:<ifname>...]  keep only those containers
 *   masq_tool ipt-usable                          exit 0 when iptables works
 *   masq_tool spoofchk-setup <host-if> <mac> <cid> <ifname>
 *   masq_tool spoofchk-teardown <cid> <ifname>
 *   masq_tool spoofchk-check <mac|-> <cid> <ifname>
 * Errors are printed as CNI error JSON on stdout, exit status 1. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cni/error.h"
#include "lib/ipt/ipt_masq.h"
#include "lib/nft/nft_masq.h"
#include "lib/nft/nft.h"
#include "lib/names/names.h"
#include "lib/nft/spoofchk.h"

static int parse_ips(int argc, char **argv, struct cni_ipnet *ips, struct cni_err *err)
{
	for (int i = 0; i < argc; i++)
		if (cni_ipnet_parse(argv[i], &ips[i]) < 0)
			return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "bad address %s", argv[i]);
	return 0;
}

static int names(char **a)
{
	char chain[MASQ_IPT_CHAIN_LEN + 1], comment[512], nftc[MASQ_NFT_COMMENT_MAX + 1];
	char hash[MASQ_NFT_INSTANCE_HASH_LEN + 1];
	masq_ipt_chain(a[0], a[2], chain);
	masq_ipt_comment(a[0], a[2], comment, sizeof(comment));
	masq_nft_comment(a[0], a[1], a[2], nftc);
	masq_nft_instance_hash(a[0], a[1], a[2], hash);
	printf("ipt_chain=%s\nipt_comment=%s\nnft_comment=%s\nnft_hash=%s\n", chain, comment, nftc,
	       hash);
	return 0;
}

static int gc(bool ipt, int argc, char **argv, struct cni_err *err)
{
	struct cni_attachment att[argc > 0 ? argc : 1];
	for (int i = 0; i < argc; i++) {
		char *colon = strchr(argv[i], ':');
		if (!colon)
			return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "want cid:ifname: %s",
					   argv[i]);
		*colon = '\0';
		att[i].container_id = argv[i];
		att[i].ifname = colon + 1;
	}
	if (ipt)
		return masq_ipt_gc(argv[-1], att, (size_t)argc, err);
	return masq_nft_gc(argv[-1], att, (size_t)argc, err);
}

static int run(int argc, char **argv, struct cni_err *err)
{
	const char *cmd = argv[1];
	char **a = argv + 2;
	int na = argc - 2;
	struct cni_ipnet ips[64];
	int nips;
#define NEED(k)                                                                                    \
	do {                                                                                       \
		if (na < (k))                                                                      \
			return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "usage: see source");      \
	} while (0)
#define IPS_FROM(k)                                                                                \
	do {                                                                                       \
		nips = na - (k);                                                                   \
		if (nips > 64 || parse_ips(nips, a + (k), ips, err) < 0)                           \
			return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "bad addresses");          \
	} while (0)

	if (!strcmp(cmd, "names")) {
		NEED(3);
		return names(a);
	} else if (!strcmp(cmd, "nft-setup")) {
		NEED(3);
		IPS_FROM(3);
		return masq_nft_setup(a[0], a[1], a[2], ips, (size_t)nips, err);
	} else if (!strcmp(cmd, "nft-teardown")) {
		NEED(3);
		return masq_nft_teardown(a[0], a[1], a[2], err);
	} else if (!strcmp(cmd, "nft-check")) {
		NEED(3);
		IPS_FROM(3);
		return masq_nft_check(a[0], a[1], a[2], ips, (size_t)nips, err);
	} else if (!strcmp(cmd, "nft-gc")) {
		NEED(1);
		return gc(false, na - 1, a + 1, err);
	} else if (!strcmp(cmd, "ipt-gc")) {
		NEED(1);
		return gc(true, na - 1, a + 1, err);
	} else if (!strcmp(cmd, "ipt-setup")) {
		NEED(2);
		IPS_FROM(2);
		return masq_ipt_setup(a[0], a[1], ips, (size_t)nips, err);
	} else if (!strcmp(cmd, "ipt-teardown")) {
		NEED(2);
		IPS_FROM(2);
		return masq_ipt_teardown(a[0], a[1], ips, (size_t)nips, nft_nat_chain_may_exist,
					 err);
	} else if (!strcmp(cmd, "ipt-check")) {
		NEED(2);
		IPS_FROM(2);
		return masq_ipt_check(a[0], a[1], ips, (size_t)nips, err);
	} else if (!strcmp(cmd, "ipt-usable")) {
		return masq_ipt_usable(AF_INET) ? 0 : cni_err_set(err, 1, "iptables not usable");
	} else if (!strcmp(cmd, "spoofchk-setup")) {
		NEED(4);
		return spoofchk_setup(a[0], a[1], a[2], a[3], err);
	} else if (!strcmp(cmd, "spoofchk-teardown")) {
		NEED(2);
		return spoofchk_teardown(a[0], a[1], err);
	} else if (!strcmp(cmd, "spoofchk-check")) {
		NEED(3);
		return spoofchk_check(strcmp(a[0], "-") ? a[0] : NULL, a[1], a[2], err);
	}
	return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "unknown command %s", cmd);
}

int main(int argc, char **argv)
{
	struct cni_err err = {0};
	if (argc < 2) {
		fprintf(stderr, "usage: masq_tool <command> ...\n");
		return 2;
	}
	if (run(argc, argv, &err) < 0) {
		cni_err_print(&err, NULL, stdout);
		putchar('\n');
		return 1;
	}
	return 0;
}
