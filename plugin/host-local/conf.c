#include <stdlib.h>
#include <string.h>
#include "lib/cni/args.h"
#include "lib/cni/json.h"
#include "lib/cni/version.h"
#include "plugin/host-local/conf.h"
#include "plugin/host-local/store.h"
#include "lib/util/vec.h"

static int parse_ip_key(const cJSON *obj, const char *key, struct cni_ip *ip, bool *has,
			struct cni_err *err)
{
	const char *s = NULL;
	if (json_get_string(obj, key, &s, err) < 0)
		return -1;
	if (!s)
		return 0;
	if (cni_ip_parse(s, ip) < 0) /* Go's net.IP UnmarshalText text */
		return cni_err_set(err, CNI_ERR_INTERNAL, "invalid IP address: %s", s);
	*has = true;
	return 0;
}

/* One range object (also the legacy keys at ipam level). *present tells
 * whether a subnet was given, which is what makes a legacy range count. */
static int parse_range(const cJSON *obj, struct hl_range *r, bool *present, struct cni_err *err)
{
	const char *subnet = NULL;
	memset(r, 0, sizeof(*r));
	if (json_get_string(obj, "subnet", &subnet, err) < 0)
		return -1;
	if (subnet && cni_ipnet_parse(subnet, &r->subnet) < 0)
		return cni_err_set(err, CNI_ERR_INTERNAL, "invalid CIDR address: %s", subnet);
	if (parse_ip_key(obj, "rangeStart", &r->start, &r->has_start, err) < 0 ||
	    parse_ip_key(obj, "rangeEnd", &r->end, &r->has_end, err) < 0 ||
	    parse_ip_key(obj, "gateway", &r->gateway, &r->has_gateway, err) < 0)
		return -1;
	*present = subnet != NULL;
	return 0;
}

static int push_set(struct hl_conf *c, struct hl_rangeset *set, struct cni_err *err)
{
	struct hl_rangeset *v = array_push(&c->sets, &c->n_sets, NULL, sizeof(*v));
	if (!v)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	*v = *set;
	return 0;
}

/* A JSON list of range sets (ipam.ranges or runtimeConfig.ipRanges). */
static int parse_sets(const cJSON *arr, struct hl_conf *c, struct cni_err *err)
{
	const cJSON *jset;
	cJSON_ArrayForEach(jset, arr)
	{
		struct hl_rangeset set = {0};
		if (!cJSON_IsArray(jset))
			return cni_err_set(err, CNI_ERR_DECODE, "ranges: expected a list of lists");
		size_t n = (size_t)cJSON_GetArraySize(jset);
		set.r = calloc(n ? n : 1, sizeof(*set.r));
		if (!set.r)
			return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
		const cJSON *jr;
		cJSON_ArrayForEach(jr, jset)
		{
			bool present;
			if (!cJSON_IsObject(jr) ||
			    parse_range(jr, &set.r[set.n++], &present, err) < 0) {
				if (!cni_err_isset(err))
					cni_err_set(err, CNI_ERR_DECODE,
						    "ranges: expected range objects");
				hl_rangeset_free(&set);
				return -1;
			}
		}
		if (push_set(c, &set, err) < 0) {
			hl_rangeset_free(&set);
			return -1;
		}
	}
	return 0;
}

static int push_requested(struct hl_conf *c, const struct cni_ip *ip, struct cni_err *err)
{
	for (size_t i = 0; i < c->n_requested; i++)
		if (cni_ip_equal(&c->requested[i], ip))
			return 0; /* the reference keys them by string */
	struct cni_ip *v = array_push(&c->requested, &c->n_requested, NULL, sizeof(*v));
	if (!v)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	*v = *ip;
	return 0;
}

/* "10.1.2.3" or "10.1.2.3/24" (the prefix is dropped, as plugins' ip.IP). */
static int parse_requested(const char *s, struct cni_ip *ip)
{
	struct cni_ipnet n;
	if (cni_ip_parse(s, ip) == 0)
		return 0;
	if (cni_ipnet_parse(s, &n) == 0) {
		*ip = n.ip;
		return 0;
	}
	return -1;
}

static int requested_list(const cJSON *arr, struct hl_conf *c, struct cni_err *err)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		const char *s;
		struct cni_ip ip;
		if (json_as_string(it, "ips", &s, err) < 0)
			return -1;
		if (parse_requested(s, &ip) < 0)
			return cni_err_set(err, CNI_ERR_INTERNAL, "invalid IP address %s", s);
		if (push_requested(c, &ip, err) < 0)
			return -1;
	}
	return 0;
}

static int requested_from_env(const struct cni_request *req, struct hl_conf *c, struct cni_err *err)
{
	static const char *const known[] = {"IP", NULL};
	struct cni_args args = {0};
	if (cni_args_parse(req->env.args, known, &args, err) < 0)
		return -1;
	const char *v = cni_args_get(&args, "IP");
	int rc = 0;
	struct cni_ip ip;
	if (v && *v) {
		if (parse_requested(v, &ip) < 0)
			rc = cni_err_set(err, CNI_ERR_INTERNAL,
					 "ARGS: error parsing value of pair \"IP=%s\": invalid IP "
					 "address %s",
					 v, v);
		else
			rc = push_requested(c, &ip, err);
	}
	cni_args_free(&args);
	return rc;
}

static int parse_routes(const cJSON *ipam, struct hl_conf *c, struct cni_err *err)
{
	const cJSON *routes = NULL;
	if (json_get_array(ipam, "routes", &routes, err) < 0)
		return -1;
	if (!routes || cJSON_GetArraySize(routes) == 0)
		return 0;
	/* A route list is a result's "routes": let the result parser read all
	 * the 1.1 fields the same way the bridge does. */
	cJSON *fake = cJSON_CreateObject();
	cJSON *dup = cJSON_Duplicate(routes, 1);
	if (!fake || !dup || !cJSON_AddStringToObject(fake, "cniVersion", CNI_VERSION_CURRENT)) {
		cJSON_Delete(fake);
		cJSON_Delete(dup);
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	}
	cJSON_AddItemToObject(fake, "routes", dup);
	struct cni_result res = {0};
	int rc = cni_result_parse(fake, CNI_VERSION_CURRENT, &res, err);
	cJSON_Delete(fake);
	if (rc < 0)
		return cni_err_prefix(err, "ipam.routes");
	c->routes = res.routes;
	c->n_routes = res.n_routes;
	res.routes = NULL;
	res.n_routes = 0;
	cni_result_free(&res);
	return 0;
}

/* The reference's checks across sets: overlaps, and one address per family
 * below 0.3.0. */
static int validate_sets(const struct cni_request *req, struct hl_conf *c, struct cni_err *err)
{
	int v4 = 0, v6 = 0;
	for (size_t i = 0; i < c->n_sets; i++) {
		if (hl_rangeset_canonicalize(&c->sets[i], err) < 0)
			return cni_err_prefix(err, "invalid range set %zu", i);
		if (hl_rangeset_family(&c->sets[i]) == AF_INET)
			v4++;
		else
			v6++;
	}
	if ((v4 > 1 || v6 > 1) && !cni_version_ge(req->version, "0.3.0")) {
		const char *v = "";
		json_get_string(req->conf, "cniVersion", &v, NULL);
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "CNI version %s does not support more than 1 address per family",
				   v ? v : "");
	}
	for (size_t i = 0; i + 1 < c->n_sets; i++)
		for (size_t j = i + 1; j < c->n_sets; j++)
			if (hl_rangeset_overlaps(&c->sets[i], &c->sets[j]))
				return cni_err_set(err, CNI_ERR_INTERNAL,
						   "range set %zu overlaps with %zu", i, j);
	return 0;
}

static int load(const struct cni_request *req, struct hl_conf *c, struct cni_err *err)
{
	const cJSON *ipam = NULL, *rt = NULL, *args = NULL, *cni = NULL, *arr = NULL;
	if (json_get_object(req->conf, "ipam", &ipam, err) < 0 ||
	    json_get_object(req->conf, "runtimeConfig", &rt, err) < 0 ||
	    json_get_object(req->conf, "args", &args, err) < 0 ||
	    json_get_object(args, "cni", &cni, err) < 0)
		return -1;
	if (!ipam)
		return cni_err_set(err, CNI_ERR_INTERNAL, "IPAM config missing 'ipam' key");
	c->name = req->name;
	c->data_dir = HL_DEFAULT_DATA_DIR;
	if (json_get_string(ipam, "dataDir", &c->data_dir, err) < 0 ||
	    json_get_string(ipam, "resolvConf", &c->resolv_conf, err) < 0)
		return -1;
	if (!*c->data_dir)
		c->data_dir = HL_DEFAULT_DATA_DIR;
	if (c->resolv_conf && !*c->resolv_conf)
		c->resolv_conf = NULL;

	if (requested_from_env(req, c, err) < 0)
		return -1;
	if (json_get_array(cni, "ips", &arr, err) < 0 || requested_list(arr, c, err) < 0)
		return -1;
	arr = NULL;
	if (json_get_array(rt, "ips", &arr, err) < 0 || requested_list(arr, c, err) < 0)
		return -1;

	arr = NULL;
	if (json_get_array(rt, "ipRanges", &arr, err) < 0 || parse_sets(arr, c, err) < 0)
		return -1;
	struct hl_rangeset legacy = {.r = calloc(1, sizeof(struct hl_range)), .n = 1};
	bool present = false;
	if (!legacy.r)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	if (parse_range(ipam, legacy.r, &present, err) < 0 || !present ||
	    push_set(c, &legacy, err) < 0) {
		hl_rangeset_free(&legacy);
		if (cni_err_isset(err))
			return -1;
	}
	arr = NULL;
	if (json_get_array(ipam, "ranges", &arr, err) < 0 || parse_sets(arr, c, err) < 0)
		return -1;
	if (c->n_sets == 0)
		return cni_err_set(err, CNI_ERR_INTERNAL, "no IP ranges specified");
	if (validate_sets(req, c, err) < 0)
		return -1;
	return parse_routes(ipam, c, err);
}

int hl_conf_load(const struct cni_request *req, struct hl_conf *out, struct cni_err *err)
{
	memset(out, 0, sizeof(*out));
	if (load(req, out, err) < 0) {
		hl_conf_free(out);
		return -1;
	}
	return 0;
}

void hl_conf_free(struct hl_conf *c)
{
	for (size_t i = 0; i < c->n_sets; i++)
		hl_rangeset_free(&c->sets[i]);
	free(c->sets);
	free(c->requested);
	struct cni_result res = {.routes = c->routes, .n_routes = c->n_routes};
	cni_result_free(&res);
	memset(c, 0, sizeof(*c));
}
