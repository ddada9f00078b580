/* DEL: idempotent. The container interface goes (its host peer with it),
 * the IPAM lease is always released, and every "already gone" shape is
 * success: empty CNI_NETNS, a deleted netns, a path that is no longer a
 * namespace (the reference fails there and leaks the lease), a missing
 * interface, a missing lease. The bridge stays. */
#include <stdlib.h>
#include "plugin/bridge/conf.h"
#include "plugin/bridge/netfilter.h"
#include "plugin/bridge/steps.h"
#include "plugin/bridge/verbs.h"
#include "lib/ipam/ipam.h"

/* Starts deleting the container end; returns 1 when a worker runs (finish
 * it with ctr_teardown_finish), 0 when there is nothing to delete, -1. */
static int del_link_start(const struct cni_request *req, struct netns *ns, struct ctr_teardown *t,
			  struct cni_err *err)
{
	enum netns_open_status st;

	if (!req->env.netns)
		return 0; /* ctr/nerdctl send no netns: nothing to delete in it */
	st = netns_open(req->env.netns, ns, err);
	if (st == NETNS_ERR_MISSING || st == NETNS_ERR_NOT_NS) {
		cni_err_clear(err); /* the netns is gone, and the veth with it */
		return 0;
	}
	if (st != NETNS_OK)
		return -1;
	if (ctr_teardown_start(ns, t, err) < 0)
		return -1;
	return 1;
}

/* Every cleanup step runs even after one failed (a leaked lease or rule
 * is worse than a second error); their errors are joined into err (the
 * first one's code is reported, each message is kept). */
static int join(int rc, struct cni_err *err, struct cni_err *step)
{
	if (cni_err_isset(step))
		cni_err_join(err, step);
	cni_err_clear(step);
	return rc;
}

/* The lease and the rules go while the kernel is still deleting the veth
 * (its RCU waits are most of a DEL). The nftables socket closes last: its
 * close waits for the kernel to free the deleted rules (another RCU grace
 * period), which by then has passed during the veth deletion (measured:
 * a masquerade DEL's host thread spent 12-28 ms in that close before).
 * The link's error, if any, still comes first in the joined message, as
 * when the link went first. */
int bridge_del(const struct cni_request *req, struct cni_err *err)
{
	struct bridge_conf c;
	struct ctr_teardown t = {.ifname = req->env.ifname};
	struct nft_ctx nft __attribute__((cleanup(nft_close))) = NFT_CTX_INIT;
	struct netns ns = {.fd = -1};
	struct cni_err link_err = {0}, rest = {0}, e = {0};
	int running, rc = 0;

	if (bridge_conf_parse_for_del(req, &c, err) < 0)
		return -1;
	running = del_link_start(req, &ns, &t, &link_err);
	if (c.ipam_type && ipam_exec_del(req, c.ipam_type, &e) < 0)
		rc = join(-1, &rest, &e);
	/* The rules are found by name, not by address: they go even when the
	 * netns is gone or CNI_NETNS is empty (reference issue #810). */
	if (bridge_spoofchk_del(req, &c, &nft, &e) < 0)
		rc = join(-1, &rest, &e);
	if (c.ipam_type && bridge_masq_del(req, &c, t.addrs, t.n_addrs, &nft, &e) < 0)
		rc = join(-1, &rest, &e);
	if (running == 1 && ctr_teardown_finish(&t) < 0)
		running = -1;
	netns_close(&ns);
	/* the link's error first, as when the link went first */
	if (running < 0)
		rc = join(-1, err, &link_err);
	if (cni_err_isset(&rest))
		rc = join(-1, err, &rest);
	free(t.addrs);
	bridge_conf_free(&c);
	return rc;
}
