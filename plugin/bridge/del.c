/* DEL: idempotent. The container interface goes (its host peer with it),
 * the IPAM lease is always released, and every "already gone" shape is
 * success: empty CNI_NETNS, a deleted netns, a path that is no longer a
 * namespace (the reference fails there and leaks the lease), a missing
 * interface, a missing lease. The bridge stays. */
#include <stdlib.h>
#include "conf.h"
#include "masq.h"
#include "steps.h"
#include "verbs.h"
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

int bridge_del(const struct cni_request *req, struct cni_err *err)
{
	struct bridge_conf c;
	struct ctr_teardown t = {.ifname = req->env.ifname};
	int rc;

	if (bridge_conf_parse(req, &c, err) < 0)
		return -1;
	rc = del_link(req, &t, err);
	/* Release the lease even when the link step failed: a leaked IP is
	 * worse than a second error, and the first error is kept. */
	if (c.ipam_type) {
		struct cni_err ierr = {0};
		if (ipam_exec_del(req, c.ipam_type, rc < 0 ? &ierr : err) < 0 && rc == 0)
			rc = -1;
	}
	/* The rules are found by name, not by address: they go even when the
	 * netns is gone or CNI_NETNS is empty (reference issue #810). */
	if (rc == 0 && bridge_spoofchk_del(req, &c, err) < 0)
		rc = -1;
	if (rc == 0 && c.ipam_type && bridge_masq_del(req, &c, t.addrs, t.n_addrs, err) < 0)
		rc = -1;
	free(t.addrs);
	bridge_conf_free(&c);
	return rc;
}
