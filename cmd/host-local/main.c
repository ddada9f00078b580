#include "lib/cni/skel.h"
#include "lib/util/prefault.h"
#include "plugin/host-local/host_local.h"

int main(void)
{
	util_prefault_heap(64 << 10); /* lib/util/prefault.h */
	return cni_main(&host_local_plugin);
}
