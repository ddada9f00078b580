/* macspoofchk: drop frames that enter the bridge from a container's host
 * veth with a source MAC other than the container's. The reference's
 * objects (pkg/link/spoofcheck.go), so either plugin can remove them:
 *
 *	table bridge nat {
 *		chain PREROUTING { type filter hook prerouting priority -300;
 *			iifname "<host veth>" jump cni-br-iface-<cid>-<ifname> }
 *		chain cni-br-iface-<cid>-<ifname> { jump cni-br-iface-<cid>-<ifname>-mac }
 *		chain cni-br-iface-<cid>-<ifname>-mac { ether saddr <mac> return
 *		                                         drop }
 *	}
 *	every rule with comment "macspoofchk-<cid>-<ifname>"
 *
 * One netlink transaction per call (the reference runs `nft` three to five
 * times), from the calling thread's netns (the host). Repeated setup
 * replaces the PREROUTING rule instead of adding a second one. */
#pragma once
#include "lib/cni/error.h"
#include "lib/nft/nft.h"

/* mac: "aa:bb:cc:dd:ee:ff" (also '-' separated); a bad one is code 7. */
int spoofchk_setup(const char *host_ifname, const char *mac, const char *cid, const char *ifname,
		   struct cni_err *err);
/* Removes the PREROUTING rule(s) with this comment and both chains. Missing
 * pieces are fine; the table and base chain stay (as in the reference). */
int spoofchk_teardown(const char *cid, const char *ifname, struct cni_err *err);
/* The same over c, which it opens unless the caller did, and leaves open
 * (see masq_nft_teardown_on: the close is what waits). */
int spoofchk_teardown_on(struct nft_ctx *c, const char *cid, const char *ifname,
			 struct cni_err *err);
/* 0 when the PREROUTING rule and the MAC chain's two rules exist, and (mac
 * not NULL) the MAC chain lets mac through; else -1, code 999 naming what
 * is missing. */
int spoofchk_check(const char *mac, const char *cid, const char *ifname, struct cni_err *err);
