/* The bridge plugin's verb table, handed to cni_main by cmd/bridge. */
#include "plugin/bridge/bridge.h"
#include "plugin/bridge/verbs.h"

const struct cni_plugin bridge_plugin = {
    .name = "bridge",
    .add = bridge_add,
    .del = bridge_del,
    .check = bridge_check,
    .status = bridge_status,
    .gc = bridge_gc,
};
