#include <stdlib.h>
#include <string.h>
#include "plugin/host-local/alloc.h"
#include "plugin/host-local/conf.h"
#include "plugin/host-local/dns.h"
#include "plugin/host-local/verbs.h"
#include "plugin/host-local/store.h"

/* The first requested address that the set contains, taken off the list
 * (the reference also takes at most one per set). */
static const struct cni_ip *take_requested(struct hl_conf *c, bool *used,
					   const struct hl_rangeset *set)
{
	for (size_t i = 0; i < c->n_requested; i++)
		if (!used[i] && hl_rangeset_find(set, &c->requested[i])) {
			used[i] = true;
			return &c->requested[i];
		}
	return NULL;
}

static int unfulfilled(const struct hl_conf *c, const bool *used, struct cni_err *err)
{
	char msg[CNI_ERR_MSG_MAX] = "failed to allocate all requested IPs:";
	size_t off = strlen(msg);
	for (size_t i = 0; i < c->n_requested; i++) {
		char a[CNI_IPNET_STRLEN];
		if (!used[i] && off + CNI_IPNET_STRLEN + 1 < sizeof(msg))
			off += (size_t)snprintf(msg + off, sizeof(msg) - off, " %s",
						cni_ip_format(&c->requested[i], a));
	}
	return cni_err_set(err, CNI_ERR_INTERNAL, "%s", msg);
}

static int allocate_all(struct hl_store *s, struct hl_conf *c, const struct cni_request *req,
			struct cni_result *res, struct cni_err *err)
{
	bool *used = calloc(c->n_requested + 1, sizeof(*used));
	if (!used)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	int rc = 0;
	for (size_t i = 0; i < c->n_sets && rc == 0; i++) {
		struct cni_ipconf ip;
		const struct cni_ip *want = take_requested(c, used, &c->sets[i]);
		if (hl_alloc_get(s, &c->sets[i], (int)i, req->env.container_id, req->env.ifname,
				 want, &ip, err) < 0)
			rc = cni_err_prefix(err, "failed to allocate for range %zu", i);
		else if (cni_result_add_ip(res, &ip, err) < 0) {
			hl_store_release_ip(s, &ip.address.ip); /* not in res: release here */
			rc = -1;
		}
	}
	for (size_t r = 0; rc == 0 && r < c->n_requested; r++)
		if (!used[r])
			rc = unfulfilled(c, used, err);
	free(used);
	return rc;
}

int host_local_add(const struct cni_request *req, struct cni_result *res, struct cni_err *err)
{
	struct hl_conf c;
	struct hl_store s;
	if (hl_conf_load(req, &c, err) < 0)
		return -1;
	int rc = -1;
	if (c.resolv_conf && hl_dns_load(c.resolv_conf, &res->dns, err) < 0)
		goto out_conf;
	if (hl_store_open_locked(&s, c.data_dir, c.name, err) < 0)
		goto out_conf;
	rc = allocate_all(&s, &c, req, res, err);
	for (size_t i = 0; rc == 0 && i < c.n_routes; i++)
		if (cni_result_add_route(res, &c.routes[i], err) < 0)
			rc = -1;
	if (rc < 0) /* leave nothing behind: release what this call reserved */
		for (size_t k = 0; k < res->n_ips; k++)
			hl_store_release_ip(&s, &res->ips[k].address.ip);
	hl_store_close(&s);
out_conf:
	hl_conf_free(&c);
	return rc;
}
