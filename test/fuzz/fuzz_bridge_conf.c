/* libFuzzer harness for the bridge's config parser (plugin/bridge/conf.c,
 * linked from the fuzz build's libraries: make fuzz). The input is
 * "CNI_ARGS\n{config json}". Invariants: success gives a usable interface
 * name, a unicast MAC when one was set, and DNS that frees cleanly; failure
 * always carries a code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cni/json.h"
#include "plugin/bridge/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char *nl = strchr(s, '\n');
	const char *json = nl ? nl + 1 : s;
	if (nl)
		*nl = '\0';
	struct cni_err err = {0};
	struct cni_request req = {.cmd = CNI_CMD_ADD, .version = "1.0.0"};
	req.env.args = nl ? s : NULL;
	req.conf = json_parse(json, strlen(json), "config", &err);
	if (req.conf) {
		struct bridge_conf c;
		if (bridge_conf_parse(&req, &c, &err) == 0) {
			size_t n = strlen(c.bridge);
			if (n == 0 || n >= IFNAMSIZ || strchr(c.bridge, '/') || err.code)
				abort();
			if (c.has_mac && (c.mac[0] & 1))
				abort();
			if (c.is_default_gw && !c.is_gw)
				abort();
			if (c.vlan < 0 || c.vlan > 4094) /* 0 = none; 4095 is reserved */
				abort();
			bridge_conf_free(&c);
		} else if (!err.code) {
			abort();
		}
		cJSON_Delete(req.conf);
	}
	free(s);
	return 0;
}
