/* bridge_conf: every key of the reference's NetConf, validated up front so
 * ADD never creates something and then fails on a bad value. */
#include "plugin/bridge/conf.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "lib/cni/args.h"
#include "lib/cni/json.h"

static const char *const bridge_cni_args[] = {"MAC", NULL};

struct bool_key {
	const char *key;
	size_t off;
};

#define BK(k, f)                                                                                   \
	{                                                                                          \
		k, offsetof(struct bridge_conf, f)                                                 \
	}
static const struct bool_key bool_keys[] = {
    BK("isGateway", is_gw),
    BK("isDefaultGateway", is_default_gw),
    BK("forceAddress", force_address),
    BK("hairpinMode", hairpin),
    BK("promiscMode", promisc),
    BK("enabledad", enable_dad),
    BK("ipMasq", ip_masq),
    BK("preserveDefaultVlan", preserve_default_vlan),
    BK("macspoofchk", macspoofchk),
    BK("portIsolation", port_isolation),
    BK("disableContainerInterface", disable_container_iface),
};

/* Where a bad value goes: *bad keeps the first one and parsing goes on
 * (NULL once one is recorded: cni_err_set ignores a NULL err). A wrong
 * JSON type still stops parsing at once through err. */
static struct cni_err *first(struct cni_err *bad)
{
	return cni_err_isset(bad) ? NULL : bad;
}

int bridge_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (strlen(s) == 17 && (s[2] == ':' || s[2] == '-')) {
		char fmt[] = "%2x:%2x:%2x:%2x:%2x:%2x%c";
		for (char *p = fmt; *p; p++)
			if (*p == ':')
				*p = s[2];
		if (sscanf(s, fmt, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
			return -1;
	} else if (strlen(s) == 14 && s[4] == '.' && s[9] == '.') {
		unsigned w[3];
		if (sscanf(s, "%4x.%4x.%4x%c", &w[0], &w[1], &w[2], &tail) != 3)
			return -1;
		for (int i = 0; i < 3; i++) {
			v[2 * i] = w[i] >> 8;
			v[2 * i + 1] = w[i] & 0xff;
		}
	} else {
		return -1;
	}
	/* sscanf's %x would take a sign or "0x"; allow hex digits only. */
	for (const char *p = s; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != s[strlen(s) == 14 ? 4 : 2])
			return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static void set_mac(struct bridge_conf *c, const char *s, const char *from, struct cni_err *bad)
{
	if (bridge_mac_parse(s, c->mac) < 0)
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG, "invalid MAC address %s=\"%s\"",
			    from, s);
	else if (c->mac[0] & 1)
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "invalid MAC address %s=\"%s\": a multicast address cannot be "
			    "an interface address",
			    from, s);
	else if (!(c->mac[0] | c->mac[1] | c->mac[2] | c->mac[3] | c->mac[4] | c->mac[5]))
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "invalid MAC address %s=\"%s\": all zeros", from, s);
	else
		c->has_mac = true;
}

/* obj.mac (obj may be NULL: no key) as the container MAC; `from` names it. */
static int mac_key(const cJSON *obj, const char *from, struct bridge_conf *c, struct cni_err *err,
		   struct cni_err *bad)
{
	const char *s = NULL;

	if (json_get_string(obj, "mac", &s, err) < 0)
		return -1;
	if (s)
		set_mac(c, s, from, bad);
	return 0;
}

/* CNI_ARGS MAC < args.cni.mac < runtimeConfig.mac: each later source wins. */
static int parse_mac(const struct cni_request *req, struct bridge_conf *c, struct cni_err *err,
		     struct cni_err *bad)
{
	struct cni_args args = {0};
	const cJSON *a = NULL, *cni = NULL, *rc = NULL;
	const char *s = NULL;

	if (cni_args_parse(req->env.args, bridge_cni_args, &args, err) < 0)
		return -1;
	s = cni_args_get(&args, "MAC");
	if (s)
		set_mac(c, s, "CNI_ARGS MAC", bad);
	cni_args_free(&args);
	if (json_get_object(req->conf, "args", &a, err) < 0 ||
	    json_get_object(a, "cni", &cni, err) < 0 ||
	    mac_key(cni, "args.cni.mac", c, err, bad) < 0 ||
	    json_get_object(req->conf, "runtimeConfig", &rc, err) < 0 ||
	    mac_key(rc, "runtimeConfig.mac", c, err, bad) < 0)
		return -1;
	return 0;
}

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) ||
		    iscntrl((unsigned char)*s))
			return false;
	return true;
}

static void check_trunk_entry(long long id, long long min, long long max, struct cni_err *bad)
{
	if (id != -1 && (id < 1 || id > 4094))
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "invalid VLAN ID %lld in vlanTrunk (must be between 1 and 4094)", id);
	else if ((min == -1) != (max == -1))
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "vlanTrunk: minID and maxID must be given together");
	else if (min != -1 && (min < 1 || max > 4094 || min > max))
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "invalid vlanTrunk range %lld-%lld (1 <= minID <= maxID <= 4094)", min,
			    max);
	else if (id == -1 && min == -1)
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "vlanTrunk: each entry needs \"id\" or \"minID\"/\"maxID\"");
}

/* Marks VIDs lo..hi; out-of-range values were reported by check_trunk_entry. */
static void trunk_mark(struct bridge_conf *c, long long lo, long long hi)
{
	if (lo < 1 || hi > 4094)
		return;
	for (long long v = lo; v <= hi; v++)
		c->vlan_trunk[v / 8] |= (uint8_t)(1u << (v % 8));
}

static int parse_vlan_trunk(const cJSON *conf, struct bridge_conf *c, struct cni_err *err,
			    struct cni_err *bad)
{
	const cJSON *trunk = NULL, *item;

	if (json_get_array(conf, "vlanTrunk", &trunk, err) < 0)
		return -1;
	c->vlan_trunk_given = trunk != NULL;
	cJSON_ArrayForEach(item, trunk)
	{
		long long id = -1, min = -1, max = -1;
		if (!cJSON_IsObject(item))
			return cni_err_set(err, CNI_ERR_DECODE,
					   "\"vlanTrunk\": each entry must be an object");
		if (json_get_int(item, "id", &id, err) < 0 ||
		    json_get_int(item, "minID", &min, err) < 0 ||
		    json_get_int(item, "maxID", &max, err) < 0)
			return -1;
		check_trunk_entry(id, min, max, bad);
		trunk_mark(c, id, id);
		trunk_mark(c, min, max);
		c->n_vlan_trunk++;
	}
	return 0;
}

static int parse_numbers(const cJSON *conf, struct bridge_conf *c, struct cni_err *err,
			 struct cni_err *bad)
{
	long long mtu = 0, vlan = 0;

	if (json_get_int(conf, "mtu", &mtu, err) < 0 || json_get_int(conf, "vlan", &vlan, err) < 0)
		return -1;
	if (mtu < 0 || mtu > 65535)
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "invalid \"mtu\": %lld (must be between 0 and 65535)", mtu);
	else
		c->mtu = (unsigned)mtu;
	if (vlan < 0 || vlan > 4094)
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "invalid VLAN ID %lld (must be between 0 and 4094)", vlan);
	else
		c->vlan = (int)vlan;
	return 0;
}

/* Upstream v1.9.1 dnsConfSet (bridge.go:764): a list given at all, even
 * empty (a non-nil Go slice), or a non-empty domain. So "nameservers": []
 * replaces the IPAM's DNS with nothing; null leaves it. */
static bool dns_conf_set(const cJSON *dns, const struct cni_dns *d)
{
	static const char *const lists[] = {"nameservers", "search", "options"};
	const cJSON *arr;

	if (d->domain && *d->domain)
		return true;
	for (size_t i = 0; dns && i < sizeof(lists) / sizeof(lists[0]); i++) {
		arr = NULL; /* types were checked by cni_dns_parse */
		if (json_get_array(dns, lists[i], &arr, NULL) == 0 && arr)
			return true;
	}
	return false;
}

static int parse_strings(const cJSON *conf, struct bridge_conf *c, struct cni_err *err,
			 struct cni_err *bad)
{
	const char *br = "cni0", *type = NULL;
	const cJSON *ipam = NULL, *dns = NULL;

	if (json_get_string(conf, "bridge", &br, err) < 0)
		return -1;
	if (!*br)
		br = "cni0"; /* Go: an empty string is the zero value, then defaulted */
	if (!ifname_ok(br))
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "invalid \"bridge\": \"%s\" is not a valid interface name "
			    "(1-15 bytes, no '/', ':', spaces or control characters)",
			    br);
	snprintf(c->bridge, sizeof(c->bridge), "%s", br);
	if (json_get_string(conf, "ipMasqBackend", &c->ipmasq_backend, err) < 0)
		return -1;
	if (c->ipmasq_backend && strcmp(c->ipmasq_backend, "iptables") &&
	    strcmp(c->ipmasq_backend, "nftables"))
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "unknown ipmasq backend \"%s\" (ipMasqBackend must be "
			    "\"iptables\" or \"nftables\")",
			    c->ipmasq_backend);
	if (json_get_object(conf, "ipam", &ipam, err) < 0 ||
	    json_get_string(ipam, "type", &type, err) < 0)
		return -1;
	c->ipam_type = type && *type ? type : NULL;
	if (json_get_object(conf, "dns", &dns, err) < 0)
		return -1;
	if (dns && cni_dns_parse(dns, &c->dns, err) < 0)
		return -1;
	c->has_dns = dns_conf_set(dns, &c->dns);
	return 0;
}

static int parse_bools(const cJSON *conf, struct bridge_conf *c, struct cni_err *err)
{
	for (size_t i = 0; i < sizeof(bool_keys) / sizeof(bool_keys[0]); i++)
		if (json_get_bool(conf, bool_keys[i].key, (bool *)((char *)c + bool_keys[i].off),
				  err) < 0)
			return -1;
	if (c->is_default_gw)
		c->is_gw = true;
	return 0;
}

static void check_combinations(const struct bridge_conf *c, struct cni_err *bad)
{
	if (c->hairpin && c->promisc)
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "cannot set hairpin mode and promiscuous mode at the same time");
	else if (c->disable_container_iface && c->ipam_type)
		cni_err_set(first(bad), CNI_ERR_INVALID_CONFIG,
			    "cannot use IPAM when DisableContainerInterface flag is set");
}

static int parse(const struct cni_request *req, struct bridge_conf *c, struct cni_err *err,
		 struct cni_err *bad)
{
	memset(c, 0, sizeof(*c));
	if (parse_bools(req->conf, c, err) < 0 || parse_numbers(req->conf, c, err, bad) < 0 ||
	    parse_vlan_trunk(req->conf, c, err, bad) < 0 ||
	    parse_strings(req->conf, c, err, bad) < 0 || parse_mac(req, c, err, bad) < 0) {
		bridge_conf_free(c);
		return -1;
	}
	check_combinations(c, bad);
	return 0;
}

int bridge_conf_parse(const struct cni_request *req, struct bridge_conf *c, struct cni_err *err)
{
	struct cni_err bad = {0};

	if (parse(req, c, err, &bad) < 0)
		return -1;
	if (!cni_err_isset(&bad))
		return 0;
	bridge_conf_free(c);
	if (err)
		*err = bad;
	return -1;
}

int bridge_conf_parse_for_del(const struct cni_request *req, struct bridge_conf *c,
			      struct cni_err *err)
{
	struct cni_err bad = {0};

	return parse(req, c, err, &bad);
}

void bridge_conf_free(struct bridge_conf *c)
{
	cni_dns_free(&c->dns);
	c->has_dns = false;
}
