#include "plugin/host-local/conf.h"
#include "plugin/host-local/verbs.h"
#include "plugin/host-local/store.h"

int host_local_del(const struct cni_request *req, struct cni_err *err)
{
	struct hl_conf c;
	struct hl_store s;
	if (hl_conf_load(req, &c, err) < 0)
		return -1;
	int rc = -1;
	if (hl_store_open_locked(&s, c.data_dir, c.name, err) < 0)
		goto out;
	/* The reference releases once per range set, each time walking the
	 * whole store: current-format leases, or the legacy ID-only ones when
	 * a pass finds none. Keep that, so a second set also clears legacy
	 * leases, exactly as it would. */
	for (size_t i = 0; i < c.n_sets; i++)
		if (hl_store_release(&s, req->env.container_id, req->env.ifname,
				     HL_MATCH_CURRENT) == 0)
			hl_store_release(&s, req->env.container_id, req->env.ifname,
					 HL_MATCH_LEGACY);
	rc = 0;
	hl_store_close(&s);
out:
	hl_conf_free(&c);
	return rc;
}
