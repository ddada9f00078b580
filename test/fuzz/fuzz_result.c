/* libFuzzer harness for lib/cni/result: parse a result of any version, then
 * print it at every version. Invariants: a printed result parses back at
 * the version it was printed as, and printing that again is stable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cni/json.h"
#include "lib/cni/result.h"
#include "lib/cni/version.h"

static char *print_at(const struct cni_result *res, const char *version)
{
	struct cni_err err = {0};
	cJSON *j = cni_result_to_json(res, version, &err);
	if (!j) {
		if (!err.code)
			abort();
		return NULL;
	}
	char *text = json_print_go(j);
	cJSON_Delete(j);
	if (!text)
		abort();
	return text;
}

static void roundtrip(const struct cni_result *res, const char *version)
{
	char *p1 = print_at(res, version);
	if (!p1)
		return; /* e.g. no IP for a legacy version */
	struct cni_err err = {0};
	cJSON *j = json_parse(p1, strlen(p1), "printed", &err);
	struct cni_result back;
	if (!j || cni_result_parse(j, version, &back, &err) != 0) {
		fprintf(stderr, "printed result does not parse at %s: %s\n%s\n", version, err.msg,
			p1);
		abort();
	}
	char *p2 = print_at(&back, version);
	char *p3 = NULL;
	if (p2) {
		cJSON *j2 = json_parse(p2, strlen(p2), "printed", &err);
		struct cni_result again;
		if (!j2 || cni_result_parse(j2, version, &again, &err) != 0)
			abort();
		p3 = print_at(&again, version);
		if (!p3 || strcmp(p2, p3) != 0)
			abort();
		cni_result_free(&again);
		cJSON_Delete(j2);
	}
	free(p1);
	free(p2);
	free(p3);
	cni_result_free(&back);
	cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_err err = {0};
	cJSON *j = json_parse((const char *)data, size, "fuzz", &err);
	if (!j)
		return 0;
	struct cni_result res;
	if (cni_result_parse(j, "1.0.0", &res, &err) == 0) {
		struct cni_result copy;
		if (cni_result_copy(&copy, &res, &err) != 0)
			abort();
		for (int i = 0; cni_supported_versions[i]; i++)
			roundtrip(&copy, cni_supported_versions[i]);
		roundtrip(&copy, "");
		cni_result_free(&copy);
		cni_result_free(&res);
	} else if (!err.code) {
		abort();
	}
	cJSON_Delete(j);
	return 0;
}
