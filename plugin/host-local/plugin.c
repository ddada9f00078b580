#include "handlers.h"
#include "host_local.h"

/* GC and STATUS are not implemented yet (the reference has neither); the
 * skel treats a NULL handler as success. */
const struct cni_plugin host_local_plugin = {
    .name = "host-local",
    .add = hl_cmd_add,
    .del = hl_cmd_del,
    .check = hl_cmd_check,
};
