/* One in-memory result for every CNI version. Parsing converts any version
 * (0.1.0 ... 1.1.0, an IPAM plugin's short form, a prevResult) into this 1.x
 * model; printing converts it down with the rules of upstream v1.9.1's
 * vendored cni lib 1.3 (pkg/types: one Route type for every version, one
 * Interface type for 1.0.0 and 1.1.0):
 *   1.0.0/1.1.0 everything;
 *   0.3.x/0.4.0 without interface mtu/socketPath/pciID, plus "version"
 *               per IP; routes keep mtu/advmss/priority/table/scope;
 *               "dns" always printed;
 *   0.1.0/0.2.0 first IPv4 and first IPv6 only as ip4/ip6, routes under
 *               their family, no interfaces; fails with code 999
 *               "cannot convert: no valid IP addresses" when there is no IP.
 * Key order: alphabetical at every level (as cni lib >= 1.2 prints 1.x):
 *   top        cniVersion, dns, interfaces, ips, routes   (legacy: cniVersion, dns, ip4, ip6)
 *   interface  mac, mtu, name, pciID, sandbox, socketPath
 *   ip         address, gateway, interface, version
 *   route      advmss, dst, gw, mtu, priority, scope, table
 *   dns        domain, nameservers, options, search
 *   legacy ipN gateway, ip, routes
 * Empty values are left out as Go's omitempty does; an interface's "name"
 * is always printed; route table/scope are printed when set, even as 0.
 * "dns" is left out of 1.x when empty (cni lib >= 1.2) and always printed
 * for 0.x. Version "" (or NULL with no parsed version) prints as 0.1.0,
 * "cniVersion" included, as Go's converter does.
 * Addresses and route destinations keep their host bits ("10.1.2.3/8"
 * stays as written), exactly as Go's types.IPNet; use cni_ipnet_network()
 * before handing a route to the kernel.
 * Everything is heap-owned by the result; cni_result_free releases it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "lib/cni/error.h"
#include "lib/cni/ipnet.h"

struct cni_iface {
	char *name;
	char *mac;	   /* NULL = absent */
	char *sandbox;	   /* NULL = absent (host interface) */
	unsigned mtu;	   /* 0 = absent; 1.1.0 only */
	char *socket_path; /* 1.1.0 only */
	char *pci_id;	   /* 1.1.0 only */
};

struct cni_ipconf {
	struct cni_ipnet address;
	bool has_gateway;
	struct cni_ip gateway;
	int iface; /* index into ifaces; -1 = absent */
};

struct cni_route {
	struct cni_ipnet dst;
	bool has_gw;
	struct cni_ip gw;
	int mtu, advmss, priority; /* 0 = absent (Go omitempty) */
	bool has_table, has_scope;
	int table, scope;
};

struct cni_dns {
	char **nameservers;
	size_t n_nameservers;
	char *domain;
	char **search;
	size_t n_search;
	char **options;
	size_t n_options;
};

struct cni_result {
	char *cni_version; /* version it was parsed from / last printed as */
	struct cni_iface *ifaces;
	size_t n_ifaces;
	struct cni_ipconf *ips;
	size_t n_ips;
	struct cni_route *routes;
	size_t n_routes;
	struct cni_dns dns;
};

/* Parses a result object of any version. default_version is used when the
 * object has no cniVersion (libcni's rule for delegated plugins and Go's
 * for prevResult); with neither it is 0.1.0. Keys match case-insensitively
 * and null means absent, as in Go. Route mtu/advmss/priority/table/scope
 * are read at every version (Go's Route does), interface
 * mtu/socketPath/pciID from 1.x results only. An
 * ips[].interface index past the interfaces is kept, as Go does.
 * Errors: code 6 naming the value (`ips[0]: "address": invalid CIDR
 * address: x`) or 1 (unknown version). On error *out is left empty. */
int cni_result_parse(const cJSON *json, const char *default_version, struct cni_result *out,
		     struct cni_err *err);
/* Builds the JSON of the result at `version`, see the rules above. */
cJSON *cni_result_to_json(const struct cni_result *res, const char *version, struct cni_err *err);
/* Prints it Go-style (4-space indent, no trailing newline). */
int cni_result_print(const struct cni_result *res, const char *version, FILE *out,
		     struct cni_err *err);
void cni_result_free(struct cni_result *res);
/* Deep copy; returns 0 or -1 (ENOMEM, err code 999). */
int cni_result_copy(struct cni_result *dst, const struct cni_result *src, struct cni_err *err);

/* Builders; return the new element's index, or -1 (ENOMEM, code 999). Strings
 * are copied; NULL means absent. */
int cni_result_add_iface(struct cni_result *res, const char *name, const char *mac,
			 const char *sandbox, struct cni_err *err);
int cni_result_add_ip(struct cni_result *res, const struct cni_ipconf *ip, struct cni_err *err);
int cni_result_add_route(struct cni_result *res, const struct cni_route *r, struct cni_err *err);

/* DNS object as in a config or a result: nameservers[], domain, search[],
 * options[]. */
int cni_dns_parse(const cJSON *json, struct cni_dns *out, struct cni_err *err);
/* The reference's "is the config dns set" test: any list non-empty or a
 * non-empty domain. */
bool cni_dns_is_set(const struct cni_dns *dns);
int cni_dns_copy(struct cni_dns *dst, const struct cni_dns *src, struct cni_err *err);
void cni_dns_free(struct cni_dns *dns);
