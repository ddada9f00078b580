/* host-local's verbs. They keep all state in the request and the config (no
 * globals), so the bridge may call them in-process instead of exec'ing the
 * binary. They run on the calling thread in the host netns and take the
 * store's file lock for their whole duration. */
#pragma once
#include "lib/cni/error.h"
#include "lib/cni/result.h"
#include "lib/cni/skel.h"

/* One address per range set; fills res (ips, routes, dns). On failure every
 * lease this call made is released again. */
int hl_cmd_add(const struct cni_request *req, struct cni_result *res, struct cni_err *err);
/* Releases every lease of (CNI_CONTAINERID, CNI_IFNAME); unknown is fine. */
int hl_cmd_del(const struct cni_request *req, struct cni_err *err);
/* Succeeds when (CNI_CONTAINERID, CNI_IFNAME) holds at least one lease. */
int hl_cmd_check(const struct cni_request *req, struct cni_err *err);
