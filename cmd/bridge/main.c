#include "lib/cni/skel.h"
#include "plugin/bridge/bridge.h"

int main(void)
{
	return cni_main(&bridge_plugin);
}
