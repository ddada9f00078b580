#include "lib/cni/skel.h"
#include "plugin/host-local/host_local.h"

int main(void)
{
	return cni_main(&host_local_plugin);
}
