/* STATUS and GC: both are passed on to the IPAM plugin when there is one
 * (the spec requires it; the reference forgets GC). GC also removes stale
 * masquerade rules (masq.h). */
#include "conf.h"
#include "masq.h"
#include "verbs.h"
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

int bridge_status(const struct cni_request *req, struct cni_err *err)
{
	const char *type;

	if (ipam_type(req, &type, err) < 0)
		return -1;
	return type ? ipam_exec_status(req, type, err) : 0;
}

/* The spec: keep going after an error and report at the end (the first
 * error is the one reported). */
int bridge_gc(const struct cni_request *req, struct cni_err *err)
{
	struct cni_err later = {0};
	const char *type;
	int rc = 0;

	if (ipam_type(req, &type, err) < 0)
		return -1;
	if (type && ipam_exec_gc(req, type, err) < 0)
		rc = -1;
	if (bridge_masq_gc(req, rc < 0 ? &later : err) < 0)
		rc = -1;
	return rc;
}
