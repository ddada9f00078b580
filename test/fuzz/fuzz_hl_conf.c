/* libFuzzer harness for host-local's config parser and range logic
 * (plugin/host-local/{conf,range,ipmath}.c, linked from the fuzz build's
 * libraries: make fuzz). Input: "CNI_ARGS\n{config json}".
 * Invariants: success gives non-empty, single-family sets whose ranges lie
 * in their subnets with start <= end, and a round-robin walk that only
 * returns addresses of the set, never a gateway, and ends; failure always
 * carries a code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cni/json.h"
#include "plugin/host-local/conf.h"
#include "plugin/host-local/ipmath.h"
#include "plugin/host-local/range.h"

static void check_set(const struct hl_rangeset *s)
{
	if (s->n == 0)
		abort();
	for (size_t i = 0; i < s->n; i++) {
		const struct hl_range *r = &s->r[i];
		if (r->start.family != s->r[0].start.family || hl_ip_cmp(&r->start, &r->end) > 0 ||
		    !cni_ipnet_contains(&r->subnet, &r->start) ||
		    !cni_ipnet_contains(&r->subnet, &r->end))
			abort();
	}
	struct hl_iter it;
	struct cni_ip ip;
	const struct hl_range *r;
	hl_iter_init(&it, s, &s->r[s->n - 1].start);
	for (int i = 0; i < 2000 && hl_iter_next(&it, &ip, &r); i++)
		if (!hl_range_contains(r, &ip) || cni_ip_equal(&ip, &r->gateway))
			abort();
}

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
	struct cni_request req = {.cmd = CNI_CMD_ADD, .version = "1.0.0", .name = "net"};
	req.env.args = nl ? s : NULL;
	req.conf = json_parse(json, strlen(json), "config", &err);
	if (req.conf) {
		struct hl_conf c;
		if (hl_conf_load(&req, &c, &err) == 0) {
			if (c.n_sets == 0 || !c.data_dir || err.code)
				abort();
			for (size_t i = 0; i < c.n_sets; i++)
				check_set(&c.sets[i]);
			hl_conf_free(&c);
		} else if (!err.code) {
			abort();
		}
		cJSON_Delete(req.conf);
	}
	free(s);
	return 0;
}
