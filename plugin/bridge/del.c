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

static int del_link(const struct cni_request *req, struct ctr_teardown *t, struct cni_err *err)
{
	struct netns ns;
	enum netns_open_status st;
	int rc;

	if (!req->env.netns)
		return 0; /* ctr/nerdctl send no netns: nothing to delete in it */
	st = netns_open(req->env.netns, &ns, err);
	if (st == NETNS_ERR_MISSING || st == NETNS_ERR_NOT_NS) {
		cni_err_clear(err); /* the netns is gone, and the veth with it */
		return 0;
	}
	if (st != NETNS_OK)
		return -1;
	rc = ctr_teardown(&ns, t, err);
	netns_close(&ns);
	return rc;
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

int bridge_del(const struct cni_request *req, struct cni_err *err)
{
	struct bridge_conf c;
	struct ctr_teardown t = {.ifname = req->env.ifname};
	struct cni_err e = {0};
	int rc;

	if (bridge_conf_parse_for_del(req, &c, err) < 0)
		return -1;
	rc = del_link(req, &t, err);
	if (c.ipam_type && ipam_exec_del(req, c.ipam_type, &e) < 0)
		rc = join(-1, err, &e);
	/* The rules are found by name, not by address: they go even when the
	 * netns is gone or CNI_NETNS is empty (reference issue #810). */
	if (bridge_spoofchk_del(req, &c, &e) < 0)
		rc = join(-1, err, &e);
	if (c.ipam_type && bridge_masq_del(req, &c, t.addrs, t.n_addrs, &e) < 0)
		rc = join(-1, err, &e);
	free(t.addrs);
	bridge_conf_free(&c);
	return rc;
}
