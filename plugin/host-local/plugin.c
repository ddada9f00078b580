#include "plugin/host-local/verbs.h"
#include "plugin/host-local/host_local.h"

const struct cni_plugin host_local_plugin = {
    .name = "host-local",
    .add = host_local_add,
    .del = host_local_del,
    .check = host_local_check,
    .status = host_local_status,
    .gc = host_local_gc,
};
