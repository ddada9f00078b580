/* The bridge plugin's verb table (plugin/bridge/). */
#pragma once
#include "lib/cni/skel.h"

extern const struct cni_plugin bridge_plugin;
