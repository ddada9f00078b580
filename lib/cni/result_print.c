/* Printing the 1.x model at any CNI version (rules in result.h). Keys are
 * added in alphabetical order at every level, so the printed text is stable
 * and matches what cni lib >= 1.2 produces for 1.x results. */
#include "lib/cni/result.h"
#include "lib/cni/json.h"
#include "lib/cni/version.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Sticky out-of-memory flag so the builders read as a plain list of keys. */
struct builder {
	bool oom;
};

static void add_str(struct builder *b, cJSON *o, const char *key, const char *val)
{
	if (val && *val && !cJSON_AddStringToObject(o, key, val))
		b->oom = true;
}

static void add_num(struct builder *b, cJSON *o, const char *key, double val)
{
	if (!cJSON_AddNumberToObject(o, key, val))
		b->oom = true;
}

static void add_ip(struct builder *b, cJSON *o, const char *key, const struct cni_ip *ip)
{
	char buf[CNI_IPNET_STRLEN];
	add_str(b, o, key, cni_ip_format(ip, buf));
}

static void add_cidr(struct builder *b, cJSON *o, const char *key, const struct cni_ipnet *n)
{
	char buf[CNI_IPNET_STRLEN];
	add_str(b, o, key, cni_ipnet_format(n, buf));
}

static cJSON *add_child(struct builder *b, cJSON *parent, const char *key, bool array)
{
	cJSON *c = array ? cJSON_CreateArray() : cJSON_CreateObject();
	if (!c) {
		b->oom = true;
		return NULL;
	}
	if (key ? !cJSON_AddItemToObject(parent, key, c) : !cJSON_AddItemToArray(parent, c)) {
		b->oom = true;
		return NULL; /* cJSON deleted c */
	}
	return c;
}

static void add_strv(struct builder *b, cJSON *o, const char *key, char *const *v, size_t n)
{
	if (n == 0)
		return;
	cJSON *arr = add_child(b, o, key, true);
	for (size_t i = 0; arr && i < n; i++) {
		cJSON *s = cJSON_CreateString(v[i]);
		if (!s || !cJSON_AddItemToArray(arr, s))
			b->oom = true;
	}
}

static void add_dns(struct builder *b, cJSON *o, const struct cni_dns *dns)
{
	cJSON *d = add_child(b, o, "dns", false);
	if (!d)
		return;
	add_str(b, d, "domain", dns->domain);
	add_strv(b, d, "nameservers", dns->nameservers, dns->n_nameservers);
	add_strv(b, d, "options", dns->options, dns->n_options);
	add_strv(b, d, "search", dns->search, dns->n_search);
}

static void add_route(struct builder *b, cJSON *arr, const struct cni_route *r)
{
	cJSON *o = add_child(b, arr, NULL, false);
	if (!o)
		return;
	if (r->advmss)
		add_num(b, o, "advmss", r->advmss);
	add_cidr(b, o, "dst", &r->dst);
	if (r->has_gw)
		add_ip(b, o, "gw", &r->gw);
	if (r->mtu)
		add_num(b, o, "mtu", r->mtu);
	if (r->priority)
		add_num(b, o, "priority", r->priority);
	if (r->has_scope)
		add_num(b, o, "scope", r->scope);
	if (r->has_table)
		add_num(b, o, "table", r->table);
}

static void add_iface(struct builder *b, cJSON *arr, const struct cni_iface *i, bool v1x)
{
	cJSON *o = add_child(b, arr, NULL, false);
	if (!o)
		return;
	add_str(b, o, "mac", i->mac);
	if (v1x && i->mtu)
		add_num(b, o, "mtu", i->mtu);
	/* Go's Interface.Name has no omitempty. */
	if (!cJSON_AddStringToObject(o, "name", i->name ? i->name : ""))
		b->oom = true;
	if (v1x)
		add_str(b, o, "pciID", i->pci_id);
	add_str(b, o, "sandbox", i->sandbox);
	if (v1x)
		add_str(b, o, "socketPath", i->socket_path);
}

static void add_ipconf(struct builder *b, cJSON *arr, const struct cni_ipconf *ip, bool v1x)
{
	cJSON *o = add_child(b, arr, NULL, false);
	if (!o)
		return;
	add_cidr(b, o, "address", &ip->address);
	if (ip->has_gateway)
		add_ip(b, o, "gateway", &ip->gateway);
	if (ip->iface >= 0)
		add_num(b, o, "interface", ip->iface);
	if (!v1x)
		add_str(b, o, "version", ip->address.ip.family == AF_INET ? "4" : "6");
}

/* 0.3.0 ... 1.1.0 */
static void build_current(struct builder *b, cJSON *root, const struct cni_result *res,
			  const char *version)
{
	bool v1x = cni_version_ge(version, "1.0.0");
	/* 1.x leaves an empty dns out (cni lib >= 1.2); 0.3.x/0.4.0 always print it. */
	if (!v1x || cni_dns_is_set(&res->dns))
		add_dns(b, root, &res->dns);
	if (res->n_ifaces) {
		cJSON *arr = add_child(b, root, "interfaces", true);
		for (size_t i = 0; arr && i < res->n_ifaces; i++)
			add_iface(b, arr, &res->ifaces[i], v1x);
	}
	if (res->n_ips) {
		cJSON *arr = add_child(b, root, "ips", true);
		for (size_t i = 0; arr && i < res->n_ips; i++)
			add_ipconf(b, arr, &res->ips[i], v1x);
	}
	if (res->n_routes) {
		cJSON *arr = add_child(b, root, "routes", true);
		for (size_t i = 0; arr && i < res->n_routes; i++)
			add_route(b, arr, &res->routes[i]);
	}
}

static const struct cni_ipconf *first_ip(const struct cni_result *res, int family)
{
	for (size_t i = 0; i < res->n_ips; i++)
		if (res->ips[i].address.ip.family == family)
			return &res->ips[i];
	return NULL;
}

static void add_legacy_ip(struct builder *b, cJSON *root, const char *key,
			  const struct cni_result *res, const struct cni_ipconf *ip)
{
	cJSON *o = add_child(b, root, key, false);
	if (!o)
		return;
	if (ip->has_gateway)
		add_ip(b, o, "gateway", &ip->gateway);
	add_cidr(b, o, "ip", &ip->address);
	cJSON *arr = NULL;
	for (size_t i = 0; i < res->n_routes; i++) {
		const struct cni_route *r = &res->routes[i];
		if (r->dst.ip.family != ip->address.ip.family)
			continue;
		if (!arr && !(arr = add_child(b, o, "routes", true)))
			return;
		cJSON *ro = add_child(b, arr, NULL, false);
		if (!ro)
			return;
		add_cidr(b, ro, "dst", &r->dst);
		if (r->has_gw)
			add_ip(b, ro, "gw", &r->gw);
	}
}

/* 0.1.0/0.2.0: the first IPv4 and the first IPv6 address only. */
static int build_legacy(struct builder *b, cJSON *root, const struct cni_result *res,
			struct cni_err *err)
{
	const struct cni_ipconf *ip4 = first_ip(res, AF_INET), *ip6 = first_ip(res, AF_INET6);
	if (!ip4 && !ip6)
		return cni_err_set(err, CNI_ERR_INTERNAL, "cannot convert: no valid IP addresses");
	add_dns(b, root, &res->dns);
	if (ip4)
		add_legacy_ip(b, root, "ip4", res, ip4);
	if (ip6)
		add_legacy_ip(b, root, "ip6", res, ip6);
	return 0;
}

cJSON *cni_result_to_json(const struct cni_result *res, const char *version, struct cni_err *err)
{
	struct builder b = {0};
	if (!version)
		version = res->cni_version ? res->cni_version : CNI_VERSION_DEFAULT;
	/* Go's convert treats "" as 0.1.0 and prints it as such (checked
	 * against the reference host-local). */
	if (!*version)
		version = CNI_VERSION_DEFAULT;
	if (cni_version_index(version) < 0) {
		cni_err_set(err, CNI_ERR_VERSION,
			    "cannot convert the result to unsupported CNI version \"%s\"", version);
		return NULL;
	}
	cJSON *root = cJSON_CreateObject();
	if (!root)
		goto oom;
	add_str(&b, root, "cniVersion", version);
	if (!cni_version_ge(version, "0.3.0")) {
		if (build_legacy(&b, root, res, err) < 0) {
			cJSON_Delete(root);
			return NULL;
		}
	} else {
		build_current(&b, root, res, version);
	}
	if (!b.oom)
		return root;
oom:
	cJSON_Delete(root);
	cni_err_set(err, CNI_ERR_INTERNAL, "printing the result: out of memory");
	return NULL;
}

int cni_result_print(const struct cni_result *res, const char *version, FILE *out,
		     struct cni_err *err)
{
	cJSON *json = cni_result_to_json(res, version, err);
	if (!json)
		return -1;
	char *text = json_print_go(json);
	cJSON_Delete(json);
	if (!text)
		return cni_err_set(err, CNI_ERR_INTERNAL, "printing the result: out of memory");
	int rc = fputs(text, out) < 0 ? -1 : 0;
	free(text);
	if (rc < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "writing the result");
	return 0;
}
