/* ipMasq hook: see masq.h. No-op until the masquerade layer is wired in. */
#include "masq.h"

int bridge_masq_add(const struct cni_request *req, const struct bridge_conf *c,
		    const struct cni_result *ipam, struct cni_err *err)
{
	(void)req;
	(void)ipam;
	if (!c->ip_masq || !c->ipam_type)
		return 0;
	return cni_err_set(err, CNI_ERR_UNSUPPORTED_FIELD, "ipMasq is not implemented yet");
}

int bridge_masq_del(const struct cni_request *req, const struct bridge_conf *c,
		    const struct nl_addr *addrs, size_t n, struct cni_err *err)
{
	(void)req;
	(void)c;
	(void)addrs;
	(void)n;
	(void)err;
	return 0;
}
