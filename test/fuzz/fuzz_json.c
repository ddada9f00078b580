/* libFuzzer harness for lib/cni/json: the strict parser, the typed getters
 * and the Go-style printers. Invariants checked beyond "no crash":
 * whatever we print parses again, and printing is stable after one round
 * (the first round may normalise invalid UTF-8 and huge numbers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cni/json.h"

static char *reprint(const char *text, struct cni_err *err)
{
	cJSON *j = json_parse(text, strlen(text), "reprint", err);
	if (!j)
		abort(); /* our own output must parse */
	char *p = json_print_go(j);
	cJSON_Delete(j);
	return p;
}

static void poke_getters(const cJSON *obj)
{
	struct cni_err err = {0};
	bool b;
	long long n;
	const char *s;
	const cJSON *o;
	static const char *const keys[] = {"name", "cniVersion", "mtu",	   "isGateway",
					   "ipam", "ranges",	 "bridge", "vlan",
					   "dns",  "prevResult"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_get_bool(obj, keys[i], &b, &err);
		json_get_int(obj, keys[i], &n, &err);
		json_get_string(obj, keys[i], &s, &err);
		json_get_object(obj, keys[i], &o, &err);
		json_get_array(obj, keys[i], &o, &err);
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, obj)
	{
		json_as_int(item, "item", &n, &err);
		json_as_string(item, "item", &s, &err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_err err = {0};
	cJSON *j = json_parse((const char *)data, size, "fuzz", &err);
	if (!j) {
		if (err.code == 0 || !err.msg[0])
			abort(); /* a failure must say why */
		return 0;
	}
	poke_getters(j);
	char *compact = json_print_compact(j);
	char *p1 = json_print_go(j);
	cJSON_Delete(j);
	if (!p1 || !compact)
		abort();
	char *c2 = reprint(compact, &err);
	char *p2 = reprint(p1, &err);
	char *p3 = reprint(p2, &err);
	if (strcmp(p2, p3) != 0 || strcmp(c2, p2) != 0)
		abort();
	free(compact);
	free(p1);
	free(c2);
	free(p2);
	free(p3);
	return 0;
}
