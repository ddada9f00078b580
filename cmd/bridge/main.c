/* The bridge binary. The only place that knows both plugins: it hands
 * lib/ipam the host-local linked into it, to be run in-process when the
 * host-local that CNI_PATH finds is this very build (lib/ipam/inproc.h). */
#include <malloc.h>
#include "cmd/bridge/build_id.h"
#include "lib/cni/skel.h"
#include "lib/ipam/inproc.h"
#include "lib/util/prefault.h"
#include "plugin/bridge/bridge.h"
#include "plugin/host-local/host_local.h"

int main(void)
{
	const struct ipam_inproc table[] = {
	    {.type = "host-local",
	     .plugin = &host_local_plugin,
	     .build_id = host_local_build_id,
	     .build_id_len = host_local_build_id_len},
	    {0},
	};

	ipam_inproc_register(table); /* lives as long as main */
	/* The netns worker allocates from the main arena: an arena of its own
	 * costs a 64 MiB reservation, its page faults and its unmapping, for a
	 * thread that lives a millisecond. */
	mallopt(M_ARENA_MAX, 1);
	util_prefault_heap(64 << 10);
	return cni_main(&bridge_plugin);
}
