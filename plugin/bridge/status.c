/* STATUS and GC: both are passed on to the IPAM plugin when there is one
 * (the spec requires it; the reference forgets GC). GC also removes stale
 * masquerade and spoof-check rules (netfilter.h). */
#include <limits.h>
#include "plugin/bridge/conf.h"
#include "plugin/bridge/netfilter.h"
#include "plugin/bridge/verbs.h"
#include "lib/cni/json.h"
#include "lib/ipam/ipam.h"

/* ipam.type straight from the config: STATUS does not parse CNI_ARGS (as
 * the reference), and GC has no container to take a MAC for. */
static int ipam_type(const struct cni_request *req, const char **type, struct cni_err *err)
{
	const cJSON *ipam = NULL;

	*type = NULL;
	if (json_get_object(req->conf, "ipam", &ipam, err) < 0 ||
	    json_get_string(ipam, "type", type, err) < 0)
		return -1;
	if (*type && !**type)
		*type = NULL;
	return 0;
}

/* An IPAM plugin missing from CNI_PATH means ADD cannot work: code 50 (the
 * spec's "cannot serve ADD"), not the exec layer's 999. What the plugin
 * itself answers (50, 51 or anything else) is passed on unchanged. */
int bridge_status(const struct cni_request *req, struct cni_err *err)
{
	char path[PATH_MAX];
	const char *type;

	if (ipam_type(req, &type, err) < 0)
		return -1;
	if (!type)
		return 0;
	if (ipam_find(type, req->env.path, path, sizeof(path), err) < 0) {
		cni_err_prefix(err, "IPAM plugin unavailable");
		err->code = CNI_ERR_UNAVAILABLE;
		return -1;
	}
	return ipam_exec_status(req, type, err);
}

/* The spec: keep going after an error and report them all at the end
 * (joined with "; ", the first one's code). */
int bridge_gc(const struct cni_request *req, struct cni_err *err)
{
	struct cni_err masq = {0}, spoof = {0};
	const char *type;
	int rc = 0;

	if (ipam_type(req, &type, err) < 0)
		return -1;
	if (type && ipam_exec_gc(req, type, err) < 0)
		rc = -1;
	if (bridge_masq_gc(req, &masq) < 0)
		rc = cni_err_join(err, &masq);
	if (bridge_spoofchk_gc(req, &spoof) < 0)
		rc = cni_err_join(err, &spoof);
	return rc;
}
