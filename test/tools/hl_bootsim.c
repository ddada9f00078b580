/* hl_bootsim: our host-local with a simulated boot identity, for the reboot
 * tests (t_host_local_reboot.sh). It reads "this boot's id" from the file
 * named by HL_BOOTSIM_BOOT_ID_FILE instead of the kernel's
 * /proc/sys/kernel/random/boot_id; changing that file's content is a
 * reboot as far as the lease store can tell. The shipped build/bin/host-local
 * has no such switch (plugin/host-local/boot.h says why).
 *
 * usage: as host-local (CNI environment, config on stdin) */
#include <stdlib.h>
#include "lib/cni/skel.h"
#include "plugin/host-local/boot.h"
#include "plugin/host-local/host_local.h"

int main(void)
{
	const char *f = getenv("HL_BOOTSIM_BOOT_ID_FILE");
	if (f && *f)
		hl_boot_id_path = f;
	return cni_main(&host_local_plugin);
}
