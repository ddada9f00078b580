#include "plugin/host-local/conf.h"
#include "plugin/host-local/verbs.h"
#include "plugin/host-local/store.h"

static int any(const struct hl_lease *l, void *arg)
{
	(void)l;
	(void)arg;
	return 1;
}

int host_local_check(const struct cni_request *req, struct cni_err *err)
{
	struct hl_conf c;
	struct hl_store s;
	if (hl_conf_load(req, &c, err) < 0)
		return -1;
	int rc = -1;
	if (hl_store_open_locked(&s, c.data_dir, c.name, err) < 0)
		goto out;
	/* Like the reference: any lease of the attachment will do; the
	 * addresses in prevResult are not compared. */
	if (hl_store_each_owned(&s, req->env.container_id, req->env.ifname, HL_MATCH_ANY, any,
				NULL))
		rc = 0;
	else
		cni_err_set(err, CNI_ERR_INTERNAL,
			    "host-local: Failed to find address added by container %s",
			    req->env.container_id);
	hl_store_close(&s);
out:
	hl_conf_free(&c);
	return rc;
}
