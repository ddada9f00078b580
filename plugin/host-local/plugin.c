#include "plugin/host-local/handlers.h"
#include "plugin/host-local/host_local.h"

const struct cni_plugin host_local_plugin = {
    .name = "host-local",
    .add = hl_cmd_add,
    .del = hl_cmd_del,
    .check = hl_cmd_check,
    .status = hl_cmd_status,
    .gc = hl_cmd_gc,
};
