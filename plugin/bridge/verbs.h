/* The verb handlers behind bridge_plugin (plugin.c). */
#pragma once
#include "lib/cni/skel.h"

int bridge_add(const struct cni_request *req, struct cni_result *res, struct cni_err *err);
int bridge_del(const struct cni_request *req, struct cni_err *err);
int bridge_check(const struct cni_request *req, struct cni_err *err);
int bridge_status(const struct cni_request *req, struct cni_err *err);
int bridge_gc(const struct cni_request *req, struct cni_err *err);
