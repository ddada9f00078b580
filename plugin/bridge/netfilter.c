/* ipMasq and macspoofchk for the bridge verbs. See netfilter.h. */
#include "plugin/bridge/netfilter.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cni/conf.h"
#include "lib/cni/json.h"
#include "lib/ipt/ipt_masq.h"
#include "lib/nft/nft_masq.h"
#include "lib/nft/nft.h"
#include "lib/nft/spoofchk.h"

/* Without ipMasqBackend, upstream v1.9.1 (pkg/ip/ipmasq_linux.go:32)
 * prefers iptables unless iptables does not work and nftables does. */
static bool use_iptables(const struct bridge_conf *c)
{
	if (c->ipmasq_backend)
		return strcmp(c->ipmasq_backend, "iptables") == 0;
	return masq_ipt_works(AF_INET) || !masq_nft_usable();
}

/* The addresses of the result entries that belong to the container
 * interface (iface < 0: all). *out is malloc'd. */
static int result_ips(const struct cni_result *r, int iface, struct cni_ipnet **out, size_t *n,
		      struct cni_err *err)
{
	*n = 0;
	*out = calloc(r->n_ips ? r->n_ips : 1, sizeof(**out));
	if (!*out)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	for (size_t i = 0; i < r->n_ips; i++)
		if (iface < 0 || r->ips[i].iface == iface)
			(*out)[(*n)++] = r->ips[i].address;
	return 0;
}

int bridge_masq_add(const struct cni_request *req, const struct bridge_conf *c,
		    const struct cni_result *ipam, struct cni_err *err)
{
	struct cni_ipnet *ips;
	size_t n;
	int rc;

	if (!c->ip_masq || !c->ipam_type)
		return 0;
	if (result_ips(ipam, -1, &ips, &n, err) < 0)
		return -1;
	if (use_iptables(c))
		rc = masq_ipt_setup(req->name, req->env.container_id, ips, n, err);
	else
		rc = masq_nft_setup(req->name, req->env.ifname, req->env.container_id, ips, n, err);
	free(ips);
	return rc;
}

int bridge_masq_del(const struct cni_request *req, const struct bridge_conf *c,
		    const struct nl_addr *addrs, size_t n, struct nft_ctx *nft, struct cni_err *err)
{
	const struct cni_env *env = &req->env;
	struct cni_ipnet ips[n ? n : 1];
	struct cni_err nft_err = {0};
	int rc;

	if (!c->ip_masq || !c->ipam_type)
		return 0;
	for (size_t i = 0; i < n; i++)
		ips[i] = addrs[i].ipnet;
	/* Both backends, as the reference: the rules may come from an
	 * earlier config or binary. Neither needs the addresses; they only
	 * narrow the iptables families. Both errors are kept. */
	rc = masq_ipt_teardown(req->name, env->container_id, ips, n, nft_nat_chain_may_exist, err);
	if (masq_nft_teardown_on(nft, req->name, env->ifname, env->container_id, &nft_err) < 0)
		rc = cni_err_join(err, &nft_err);
	return rc;
}

int bridge_masq_check(const struct cni_request *req, const struct bridge_conf *c,
		      const struct cni_result *prev, int ctr_iface, struct cni_err *err)
{
	struct cni_ipnet *ips;
	size_t n;
	int rc;

	if (!c->ip_masq || !c->ipam_type)
		return 0;
	if (result_ips(prev, ctr_iface, &ips, &n, err) < 0)
		return -1;
	if (use_iptables(c))
		rc = masq_ipt_check(req->name, req->env.container_id, ips, n, err);
	else
		rc = masq_nft_check(req->name, req->env.ifname, req->env.container_id, ips, n, err);
	free(ips);
	return rc;
}

int bridge_masq_gc(const struct cni_request *req, struct cni_err *err)
{
	struct cni_attachment *valid = NULL;
	bool ip_masq = false;
	size_t n = 0;
	int rc;

	if (json_get_bool(req->conf, "ipMasq", &ip_masq, err) < 0)
		return -1;
	if (!ip_masq)
		return 0;
	rc = cni_conf_valid_attachments(req, &valid, &n, err);
	if (rc == 1) {
		/* keep going: a broken nftables must not keep iptables rules */
		struct cni_err ipt = {0};
		rc = masq_nft_gc(req->name, valid, n, err);
		if (masq_ipt_gc(req->name, valid, n, &ipt) < 0)
			rc = cni_err_join(err, &ipt);
	}
	free(valid);
	return rc < 0 ? -1 : 0;
}

int bridge_spoofchk_add(const struct cni_request *req, const struct bridge_conf *c,
			const char *host_ifname, const uint8_t mac[6], struct cni_err *err)
{
	char m[18];
	if (!c->macspoofchk)
		return 0;
	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return spoofchk_setup(host_ifname, m, req->env.container_id, req->env.ifname, err);
}

int bridge_spoofchk_del(const struct cni_request *req, const struct bridge_conf *c,
			struct nft_ctx *nft, struct cni_err *err)
{
	if (!c->macspoofchk)
		return 0;
	return spoofchk_teardown_on(nft, req->env.container_id, req->env.ifname, err);
}

int bridge_spoofchk_check(const struct cni_request *req, const struct bridge_conf *c,
			  const char *mac, struct cni_err *err)
{
	if (!c->macspoofchk)
		return 0;
	return spoofchk_check(mac, req->env.container_id, req->env.ifname, err);
}
