/* Parsing a result of any CNI version into the 1.x model (result.h).
 * Type errors carry the path of the offending value, e.g.
 * `ips[1]: "address": expected a string, got a number`. */
#include "lib/cni/result.h"
#include "lib/cni/json.h"
#include "lib/cni/version.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util/vec.h"

static int parse_strv(const cJSON *obj, const char *key, char ***out, size_t *n,
		      struct cni_err *err)
{
	const cJSON *arr = NULL;
	if (json_get_array(obj, key, &arr, err) < 0)
		return -1;
	size_t count = (size_t)cJSON_GetArraySize(arr);
	if (!arr || count == 0)
		return 0;
	char **v = calloc(count, sizeof(*v));
	if (!v)
		return cni_err_set(err, CNI_ERR_INTERNAL, "\"%s\": out of memory", key);
	*out = v; /* owned by the caller's struct from here on, even on error */
	size_t i = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, arr)
	{
		char what[96];
		const char *s;
		snprintf(what, sizeof(what), "\"%s\"[%zu]", key, i);
		if (json_as_string(item, what, &s, err) < 0)
			return -1;
		if (!(v[i] = strdup(s)))
			return cni_err_set(err, CNI_ERR_INTERNAL, "\"%s\": out of memory", key);
		*n = ++i;
	}
	return 0;
}

int cni_dns_parse(const cJSON *json, struct cni_dns *out, struct cni_err *err)
{
	const char *domain = NULL;
	memset(out, 0, sizeof(*out));
	if (!json || cJSON_IsNull(json))
		return 0;
	if (!cJSON_IsObject(json))
		return cni_err_set(err, CNI_ERR_DECODE, "\"dns\": expected an object");
	if (parse_strv(json, "nameservers", &out->nameservers, &out->n_nameservers, err) < 0 ||
	    json_get_string(json, "domain", &domain, err) < 0 ||
	    parse_strv(json, "search", &out->search, &out->n_search, err) < 0 ||
	    parse_strv(json, "options", &out->options, &out->n_options, err) < 0)
		goto fail;
	if (domain && *domain && !(out->domain = strdup(domain))) {
		cni_err_set(err, CNI_ERR_INTERNAL, "\"dns\": out of memory");
		goto fail;
	}
	return 0;
fail:
	cni_dns_free(out);
	return -1;
}

/* Optional IP string; "" counts as absent as for Go's net.IP. */
static int get_ip(const cJSON *obj, const char *key, bool *has, struct cni_ip *out,
		  struct cni_err *err)
{
	const char *s = NULL;
	if (json_get_string(obj, key, &s, err) < 0)
		return -1;
	if (!s || !*s)
		return 0;
	if (cni_ip_parse(s, out) < 0)
		return cni_err_set(err, CNI_ERR_DECODE, "\"%s\": invalid IP address: %s", key, s);
	*has = true;
	return 0;
}

static int get_cidr(const cJSON *obj, const char *key, struct cni_ipnet *out, struct cni_err *err)
{
	const char *s = NULL;
	if (json_get_string(obj, key, &s, err) < 0)
		return -1;
	if (!s)
		return cni_err_set(err, CNI_ERR_DECODE, "\"%s\" is missing", key);
	if (cni_ipnet_parse(s, out) < 0)
		return cni_err_set(err, CNI_ERR_DECODE, "\"%s\": invalid CIDR address: %s", key, s);
	return 0;
}

/* An int field; *has tells whether it was given (Go's *int). */
static int get_int(const cJSON *obj, const char *key, long long min, long long max, int *out,
		   bool *has, struct cni_err *err)
{
	long long v;
	if (!json_get(obj, key))
		return 0;
	if (json_get_int(obj, key, &v, err) < 0)
		return -1;
	if (v < min || v > max)
		return cni_err_set(err, CNI_ERR_DECODE, "\"%s\": %lld is out of range", key, v);
	*out = (int)v;
	if (has)
		*has = true;
	return 0;
}

/* Optional string copied into *out; "" is absent (Go omitempty). */
static int get_str(const cJSON *obj, const char *key, char **out, struct cni_err *err)
{
	const char *s = NULL;
	if (json_get_string(obj, key, &s, err) < 0)
		return -1;
	if (s && *s && !(*out = strdup(s)))
		return cni_err_set(err, CNI_ERR_INTERNAL, "\"%s\": out of memory", key);
	return 0;
}

static int parse_route(const cJSON *o, bool v1x, struct cni_result *res, struct cni_err *err)
{
	struct cni_route r = {0};
	(void)v1x;
	if (!cJSON_IsObject(o))
		return cni_err_set(err, CNI_ERR_DECODE, "expected an object");
	if (get_cidr(o, "dst", &r.dst, err) < 0 || get_ip(o, "gw", &r.has_gw, &r.gw, err) < 0)
		return -1;
	/* Go's types.Route (cni lib 1.3, vendored by upstream v1.9.1) reads
	 * the 1.1 fields at every version, so a 0.4.0 or 1.0.0 IPAM result
	 * carries them too and the bridge applies them. */
	if ((get_int(o, "mtu", INT_MIN, INT_MAX, &r.mtu, NULL, err) < 0 ||
	     get_int(o, "advmss", INT_MIN, INT_MAX, &r.advmss, NULL, err) < 0 ||
	     get_int(o, "priority", INT_MIN, INT_MAX, &r.priority, NULL, err) < 0 ||
	     get_int(o, "table", INT_MIN, INT_MAX, &r.table, &r.has_table, err) < 0 ||
	     get_int(o, "scope", INT_MIN, INT_MAX, &r.scope, &r.has_scope, err) < 0))
		return -1;
	return cni_result_add_route(res, &r, err) < 0 ? -1 : 0;
}

static int parse_iface(const cJSON *o, bool v1x, struct cni_result *res, struct cni_err *err)
{
	struct cni_iface i = {0};
	int mtu = 0;
	if (!cJSON_IsObject(o))
		return cni_err_set(err, CNI_ERR_DECODE, "expected an object");
	const char *name = "";
	if (json_get_string(o, "name", &name, err) < 0 || get_str(o, "mac", &i.mac, err) < 0 ||
	    get_str(o, "sandbox", &i.sandbox, err) < 0)
		goto fail;
	if (v1x && (get_int(o, "mtu", 0, INT_MAX, &mtu, NULL, err) < 0 ||
		    get_str(o, "socketPath", &i.socket_path, err) < 0 ||
		    get_str(o, "pciID", &i.pci_id, err) < 0))
		goto fail;
	i.mtu = (unsigned)mtu;
	if (!(i.name = strdup(name))) {
		cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
		goto fail;
	}
	struct cni_iface *slot = array_push(&res->ifaces, &res->n_ifaces, NULL, sizeof(*slot));
	if (!slot) {
		cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
		goto fail;
	}
	*slot = i;
	return 0;
fail:
	free(i.name);
	free(i.mac);
	free(i.sandbox);
	free(i.socket_path);
	free(i.pci_id);
	return -1;
}

static int parse_ip(const cJSON *o, bool v1x, struct cni_result *res, struct cni_err *err)
{
	struct cni_ipconf ip = {.iface = -1};
	const char *version = NULL;
	if (!cJSON_IsObject(o))
		return cni_err_set(err, CNI_ERR_DECODE, "expected an object");
	if (get_cidr(o, "address", &ip.address, err) < 0 ||
	    get_ip(o, "gateway", &ip.has_gateway, &ip.gateway, err) < 0 ||
	    get_int(o, "interface", 0, INT_MAX, &ip.iface, NULL, err) < 0)
		return -1;
	/* 0.3.x/0.4.0 carry "version"; it is recomputed from the family when
	 * printing, so only its type is checked. */
	if (!v1x && json_get_string(o, "version", &version, err) < 0)
		return -1;
	return cni_result_add_ip(res, &ip, err) < 0 ? -1 : 0;
}

typedef int (*item_parser)(const cJSON *o, bool flag, struct cni_result *res, struct cni_err *err);

static int parse_list(const cJSON *json, const char *key, item_parser fn, bool flag,
		      struct cni_result *res, struct cni_err *err)
{
	const cJSON *arr = NULL, *item;
	if (json_get_array(json, key, &arr, err) < 0)
		return -1;
	size_t i = 0;
	cJSON_ArrayForEach(item, arr)
	{
		if (fn(item, flag, res, err) < 0)
			return cni_err_prefix(err, "%s[%zu]", key, i);
		i++;
	}
	return 0;
}

/* 0.1.0/0.2.0: "ip4"/"ip6" objects, each one IP plus its routes. */
static int parse_legacy_ip(const cJSON *json, const char *key, struct cni_result *res,
			   struct cni_err *err)
{
	const cJSON *o = NULL;
	if (json_get_object(json, key, &o, err) < 0)
		return -1;
	if (!o)
		return 0;
	struct cni_ipconf ip = {.iface = -1};
	if (get_cidr(o, "ip", &ip.address, err) < 0 ||
	    get_ip(o, "gateway", &ip.has_gateway, &ip.gateway, err) < 0 ||
	    cni_result_add_ip(res, &ip, err) < 0 ||
	    parse_list(o, "routes", parse_route, false, res, err) < 0)
		return cni_err_prefix(err, "%s", key);
	return 0;
}

int cni_result_parse(const cJSON *json, const char *default_version, struct cni_result *out,
		     struct cni_err *err)
{
	const char *ver = NULL;
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(json))
		return cni_err_set(err, CNI_ERR_DECODE, "result: expected a JSON object");
	if (json_get_string(json, "cniVersion", &ver, err) < 0)
		return -1;
	if (!ver || !*ver)
		ver = default_version;
	if (!ver || !*ver)
		ver = CNI_VERSION_DEFAULT;
	int idx = cni_version_index(ver);
	if (idx < 0)
		return cni_err_set(err, CNI_ERR_VERSION, "unsupported CNI result version \"%s\"",
				   ver);
	if (!(out->cni_version = strdup(ver)))
		return cni_err_set(err, CNI_ERR_INTERNAL, "result: out of memory");

	bool legacy = !cni_version_ge(ver, "0.3.0");
	bool v1x = cni_version_ge(ver, "1.0.0");
	int rc;
	if (legacy)
		rc = parse_legacy_ip(json, "ip4", out, err) < 0 ||
		     parse_legacy_ip(json, "ip6", out, err) < 0;
	else
		rc = parse_list(json, "interfaces", parse_iface, v1x, out, err) < 0 ||
		     parse_list(json, "ips", parse_ip, v1x, out, err) < 0 ||
		     parse_list(json, "routes", parse_route, v1x, out, err) < 0;
	if (!rc && cni_dns_parse(json_get(json, "dns"), &out->dns, err) < 0)
		rc = 1;
	if (rc) {
		cni_result_free(out);
		return -1;
	}
	return 0;
}
