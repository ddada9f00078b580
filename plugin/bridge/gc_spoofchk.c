/* GC of macspoofchk rules (bridge_spoofchk_gc in netfilter.h). The reference's
 * objects carry "<cid>-<ifname>" but no network name, so an attachment is
 * taken to be this network's when its host veth is a port of this
 * network's bridge. An attachment whose host veth is gone (its netns was
 * deleted) protects nothing and is removed whichever network runs GC:
 * left behind, its rule would drop the traffic of a future veth that gets
 * the same random name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plugin/bridge/netfilter.h"
#include "lib/cni/conf.h"
#include "lib/cni/json.h"
#include "lib/nft/spoofchk_gc.h"
#include "lib/nl/nl.h"
#include "lib/cni/log.h"

struct keep_ctx {
	const struct cni_attachment *valid;
	size_t n;
	struct nl *nl;
	int bridge; /* this network's bridge ifindex, 0 when it does not exist */
};

static bool listed(const struct keep_ctx *k, const char *refid)
{
	for (size_t i = 0; i < k->n; i++) {
		const char *id = k->valid[i].container_id, *ifn = k->valid[i].ifname;
		size_t idlen = id ? strlen(id) : 0;
		if (id && ifn && strncmp(refid, id, idlen) == 0 && refid[idlen] == '-' &&
		    strcmp(refid + idlen + 1, ifn) == 0)
			return true;
	}
	return false;
}

static bool keep(const char *refid, const char *iifname, void *arg)
{
	struct keep_ctx *k = arg;
	struct nl_link link;
	struct cni_err ignored = {0};
	if (listed(k, refid) || !*iifname)
		return true;
	int rc = nl_link_get(k->nl, iifname, 0, &link, &ignored);
	if (rc == -ENOENT)
		return false; /* orphan: see the top of this file */
	/* Unknown (lookup failed): keep; a later GC retries. */
	return rc < 0 || !k->bridge || link.master != k->bridge;
}

static int bridge_index(struct nl *nl, const cJSON *conf, int *ifindex, struct cni_err *err)
{
	const char *name = NULL;
	struct nl_link link;
	*ifindex = 0;
	if (json_get_string(conf, "bridge", &name, err) < 0)
		return -1;
	if (!name || !*name)
		name = "cni0"; /* the config default (conf.c) */
	int rc = nl_link_get(nl, name, 0, &link, err);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return -1;
	*ifindex = link.ifindex;
	return 0;
}

int bridge_spoofchk_gc(const struct cni_request *req, struct cni_err *err)
{
	struct cni_attachment *valid = NULL;
	bool on = false;
	size_t n = 0, removed = 0;
	struct nl nl cleanup_nl = {0};
	struct keep_ctx k = {.nl = &nl};
	int rc;

	if (json_get_bool(req->conf, "macspoofchk", &on, err) < 0)
		return -1;
	if (!on)
		return 0;
	rc = cni_conf_valid_attachments(req, &valid, &n, err);
	if (rc == 1) {
		k.valid = valid;
		k.n = n;
		rc = nl_open(&nl, err) < 0 || bridge_index(&nl, req->conf, &k.bridge, err) < 0 ||
			     spoofchk_gc(keep, &k, &removed, err) < 0
			 ? -1
			 : 0;
		if (rc == 0 && removed)
			cni_note("GC of network %s: %zu spoof-check chains removed", req->name,
				 removed);
		if (rc < 0)
			cni_err_prefix(err, "macspoofchk GC");
	}
	free(valid);
	return rc < 0 ? -1 : 0;
}
