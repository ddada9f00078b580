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
int host_local_add(const struct cni_request *req, struct cni_result *res, struct cni_err *err);
/* Releases every lease of (CNI_CONTAINERID, CNI_IFNAME); unknown is fine. */
int host_local_del(const struct cni_request *req, struct cni_err *err);
/* Succeeds when (CNI_CONTAINERID, CNI_IFNAME) holds at least one lease. */
int host_local_check(const struct cni_request *req, struct cni_err *err);
/* CNI 1.1 STATUS: code 50 naming the range sets that have no free address
 * (ADD needs one from each), or when the store cannot be opened or read;
 * success when the store does not exist yet. Creates nothing. */
int host_local_status(const struct cni_request *req, struct cni_err *err);
/* CNI 1.1 GC: releases every lease (file named like an address) whose
 * (containerID, ifname) is not in cni.dev/valid-attachments (legacy ID-only
 * leases: kept when the ID is listed); an empty list releases all, a missing
 * list nothing. A lease that cannot be removed does not stop the others; all
 * such failures are reported together (code 999). One summary line goes to
 * stderr. */
int host_local_gc(const struct cni_request *req, struct cni_err *err);
