/* The in-memory result: builders, deep copy and release. */
#include "lib/cni/result.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util/vec.h"

/* strdup that keeps NULL as NULL; *ok turns false on ENOMEM. */
static char *dup_opt(const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int copy_strv(char ***dst, size_t *dn, char *const *src, size_t n)
{
	*dst = NULL;
	*dn = 0;
	if (n == 0)
		return 0;
	char **v = calloc(n, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(src[i]);
		if (!v[i]) {
			free_strv(v, i);
			return -1;
		}
	}
	*dst = v;
	*dn = n;
	return 0;
}

void cni_dns_free(struct cni_dns *dns)
{
	if (!dns)
		return;
	free_strv(dns->nameservers, dns->n_nameservers);
	free(dns->domain);
	free_strv(dns->search, dns->n_search);
	free_strv(dns->options, dns->n_options);
	memset(dns, 0, sizeof(*dns));
}

bool cni_dns_is_set(const struct cni_dns *dns)
{
	return dns->n_nameservers || (dns->domain && *dns->domain) || dns->n_search ||
	       dns->n_options;
}

int cni_dns_copy(struct cni_dns *dst, const struct cni_dns *src, struct cni_err *err)
{
	bool ok = true;
	memset(dst, 0, sizeof(*dst));
	dst->domain = dup_opt(src->domain, &ok);
	if (!ok ||
	    copy_strv(&dst->nameservers, &dst->n_nameservers, src->nameservers,
		      src->n_nameservers) < 0 ||
	    copy_strv(&dst->search, &dst->n_search, src->search, src->n_search) < 0 ||
	    copy_strv(&dst->options, &dst->n_options, src->options, src->n_options) < 0) {
		cni_dns_free(dst);
		return cni_err_set(err, CNI_ERR_INTERNAL, "copying dns: out of memory");
	}
	return 0;
}

static void iface_free(struct cni_iface *i)
{
	free(i->name);
	free(i->mac);
	free(i->sandbox);
	free(i->socket_path);
	free(i->pci_id);
}

void cni_result_free(struct cni_result *res)
{
	if (!res)
		return;
	free(res->cni_version);
	for (size_t i = 0; i < res->n_ifaces; i++)
		iface_free(&res->ifaces[i]);
	free(res->ifaces);
	free(res->ips);
	free(res->routes);
	cni_dns_free(&res->dns);
	memset(res, 0, sizeof(*res));
}

static int iface_copy(struct cni_iface *d, const struct cni_iface *s)
{
	bool ok = true;
	*d = (struct cni_iface){.mtu = s->mtu};
	d->name = dup_opt(s->name, &ok);
	d->mac = dup_opt(s->mac, &ok);
	d->sandbox = dup_opt(s->sandbox, &ok);
	d->socket_path = dup_opt(s->socket_path, &ok);
	d->pci_id = dup_opt(s->pci_id, &ok);
	if (!ok) {
		iface_free(d);
		return -1;
	}
	return 0;
}

int cni_result_add_iface(struct cni_result *res, const char *name, const char *mac,
			 const char *sandbox, struct cni_err *err)
{
	struct cni_iface src = {
	    .name = (char *)name, .mac = (char *)mac, .sandbox = (char *)sandbox};
	struct cni_iface copy;
	if (iface_copy(&copy, &src) < 0)
		goto oom;
	struct cni_iface *slot = array_push(&res->ifaces, &res->n_ifaces, NULL, sizeof(*slot));
	if (!slot) {
		iface_free(&copy);
		goto oom;
	}
	*slot = copy;
	return (int)(res->n_ifaces - 1);
oom:
	return cni_err_set(err, CNI_ERR_INTERNAL,
			   "adding interface %s to the result: out of memory", name ? name : "");
}

int cni_result_add_ip(struct cni_result *res, const struct cni_ipconf *ip, struct cni_err *err)
{
	struct cni_ipconf *slot = array_push(&res->ips, &res->n_ips, NULL, sizeof(*slot));
	if (!slot)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "adding an IP to the result: out of memory");
	*slot = *ip;
	return (int)(res->n_ips - 1);
}

int cni_result_add_route(struct cni_result *res, const struct cni_route *r, struct cni_err *err)
{
	struct cni_route *slot = array_push(&res->routes, &res->n_routes, NULL, sizeof(*slot));
	if (!slot)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "adding a route to the result: out of memory");
	*slot = *r;
	return (int)(res->n_routes - 1);
}

int cni_result_copy(struct cni_result *dst, const struct cni_result *src, struct cni_err *err)
{
	bool ok = true;
	memset(dst, 0, sizeof(*dst));
	dst->cni_version = dup_opt(src->cni_version, &ok);
	if (!ok)
		goto oom;
	for (size_t i = 0; i < src->n_ifaces; i++) {
		struct cni_iface *slot =
		    array_push(&dst->ifaces, &dst->n_ifaces, NULL, sizeof(*slot));
		if (!slot)
			goto oom;
		if (iface_copy(slot, &src->ifaces[i]) < 0) {
			dst->n_ifaces--;
			goto oom;
		}
	}
	if (src->n_ips) {
		dst->ips = malloc(src->n_ips * sizeof(*dst->ips));
		if (!dst->ips)
			goto oom;
		memcpy(dst->ips, src->ips, src->n_ips * sizeof(*dst->ips));
		dst->n_ips = src->n_ips;
	}
	if (src->n_routes) {
		dst->routes = malloc(src->n_routes * sizeof(*dst->routes));
		if (!dst->routes)
			goto oom;
		memcpy(dst->routes, src->routes, src->n_routes * sizeof(*dst->routes));
		dst->n_routes = src->n_routes;
	}
	if (cni_dns_copy(&dst->dns, &src->dns, err) < 0)
		goto fail;
	return 0;
oom:
	cni_err_set(err, CNI_ERR_INTERNAL, "copying a result: out of memory");
fail:
	cni_result_free(dst);
	return -1;
}
