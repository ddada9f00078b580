/* The host-local IPAM plugin's verb table (plugin/host-local/). */
#pragma once
#include "lib/cni/skel.h"

extern const struct cni_plugin host_local_plugin;
