/* host-local's configuration: the network's ipam object plus the
 * runtime-supplied ranges and requested addresses, parsed and validated
 * once (Go's allocator.LoadIPAMConfig). Borrowed strings point into
 * req->conf and live as long as the request. */
#pragma once
#include <stddef.h>
#include "lib/cni/error.h"
#include "lib/cni/result.h"
#include "lib/cni/skel.h"
#include "plugin/host-local/range.h"

struct hl_conf {
	const char *name;	 /* network name (req->name) */
	const char *data_dir;	 /* ipam.dataDir or HL_DEFAULT_DATA_DIR */
	const char *resolv_conf; /* ipam.resolvConf, NULL when unset */
	/* runtimeConfig.ipRanges, then the legacy top-level range, then
	 * ipam.ranges: the set index is the position here */
	struct hl_rangeset *sets;
	size_t n_sets;
	/* CNI_ARGS IP, args.cni.ips, runtimeConfig.ips; duplicates dropped */
	struct cni_ip *requested;
	size_t n_requested;
	struct cni_route *routes; /* ipam.routes, copied into the result */
	size_t n_routes;
};

/* Errors use code 999 with the reference's text (it returns plain Go
 * errors for config problems too); a JSON value of the wrong type is code 6
 * from lib/cni/json. Keeping 999 lets a runtime or a test compare our
 * errors with the reference's one for one. */
int hl_conf_load(const struct cni_request *req, struct hl_conf *out, struct cni_err *err);
void hl_conf_free(struct hl_conf *c);
