/* lib/cni/conf: prevResult as Go's ParsePrevResult, GC attachments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cni/conf.h"
#include "lib/cni/json.h"

/* A request as skel would build it from conf text. */
static struct cni_request req_from(const char *text)
{
	struct cni_err err = {0};
	struct cni_request req = {.cmd = CNI_CMD_ADD, .stdin_buf = text, .stdin_len = strlen(text)};
	req.conf = json_parse(text, strlen(text), "conf", &err);
	if (!req.conf)
		fail_msg("%s", err.msg);
	const cJSON *v = json_get(req.conf, "cniVersion");
	req.version = v && v->valuestring[0] ? v->valuestring : "0.1.0";
	return req;
}

static void test_prev_result_absent(void **state)
{
	(void)state;
	struct cni_request req =
	    req_from("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":null}");
	struct cni_result res;
	struct cni_err err = {0};
	assert_int_equal(cni_conf_prev_result(&req, &res, &err), 0);
	assert_int_equal(res.n_ips, 0);
	cJSON_Delete(req.conf);
}

static void test_prev_result_same_group(void **state)
{
	(void)state;
	static const char *const ok[] = {
	    /* 1.0.0 config, 1.1.0 prevResult */
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":{\"cniVersion\":\"1.1.0\","
	    "\"ips\":[{\"address\":\"10.0.0.2/24\"}]}}",
	    /* 0.4.0 config, 0.3.1 prevResult */
	    "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"prevResult\":{\"cniVersion\":\"0.3.1\","
	    "\"ips\":[{\"version\":\"4\",\"address\":\"10.0.0.2/24\"}]}}",
	    /* no cniVersion in the prevResult: the config's */
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":{\"ips\":[{\"address\":"
	    "\"10.0.0.2/24\"}]}}",
	    "{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"PrevResult\":{\"ip4\":{\"ip\":"
	    "\"10.0.0.2/24\"}}}",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct cni_request req = req_from(ok[i]);
		struct cni_result res;
		struct cni_err err = {0};
		if (cni_conf_prev_result(&req, &res, &err) != 1)
			fail_msg("%s: %s", ok[i], err.msg);
		assert_int_equal(res.n_ips, 1);
		cni_result_free(&res);
		cJSON_Delete(req.conf);
	}
}

static void test_prev_result_other_group_fails_like_go(void **state)
{
	(void)state;
	struct cni_request req = req_from(
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":{\"cniVersion\":\"0.4.0\","
	    "\"ips\":[{\"version\":\"4\",\"address\":\"10.0.0.2/24\"}]}}");
	struct cni_result res;
	struct cni_err err = {0};
	assert_int_equal(cni_conf_prev_result(&req, &res, &err), -1);
	assert_string_equal(err.msg, "could not parse prevResult: result type supports [1.0.0 "
				     "1.1.0] but unmarshalled CNIVersion is \"0.4.0\"");
	cJSON_Delete(req.conf);
	req = req_from("{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"prevResult\":{\"cniVersion\":"
		       "\"1.0.0\"}}");
	assert_int_equal(cni_conf_prev_result(&req, &res, &err), -1);
	assert_string_equal(err.msg, "could not parse prevResult: result type supports [0.3.0 "
				     "0.3.1 0.4.0] but unmarshalled CNIVersion is \"1.0.0\"");
	cJSON_Delete(req.conf);
}

static void test_prev_result_malformed(void **state)
{
	(void)state;
	struct cni_result res;
	struct cni_err err = {0};
	struct cni_request req =
	    req_from("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":[]}");
	assert_int_equal(cni_conf_prev_result(&req, &res, &err), -1);
	assert_int_equal(err.code, CNI_ERR_DECODE);
	cJSON_Delete(req.conf);
	req = req_from("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":{\"ips\":[{}]}}");
	assert_int_equal(cni_conf_prev_result(&req, &res, &err), -1);
	assert_string_equal(err.msg, "could not parse prevResult: ips[0]: \"address\" is missing");
	cJSON_Delete(req.conf);
}

static void test_valid_attachments_both_spellings(void **state)
{
	(void)state;
	const char *keys[] = {"cni.dev/valid-attachments", "cni.dev/attachments"};
	for (int k = 0; k < 2; k++) {
		char text[512];
		snprintf(text, sizeof(text),
			 "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"%s\":[{\"containerID\":\"c1\","
			 "\"ifname\":\"eth0\"},{\"containerID\":\"c2\",\"ifname\":\"net1\"}]}",
			 keys[k]);
		struct cni_request req = req_from(text);
		struct cni_attachment *list;
		size_t n;
		struct cni_err err = {0};
		assert_int_equal(cni_conf_valid_attachments(&req, &list, &n, &err), 1);
		assert_int_equal(n, 2);
		assert_string_equal(list[1].container_id, "c2");
		assert_true(cni_attachment_listed(list, n, "c1", "eth0"));
		assert_true(cni_attachment_listed(list, n, "c2", "net1"));
		assert_false(cni_attachment_listed(list, n, "c1", "net1"));
		assert_false(cni_attachment_listed(list, n, "c3", "eth0"));
		free(list);
		cJSON_Delete(req.conf);
	}
}

static void test_valid_attachments_edge_cases(void **state)
{
	(void)state;
	struct cni_attachment *list;
	size_t n;
	struct cni_err err = {0};
	struct cni_request req = req_from("{\"cniVersion\":\"1.1.0\",\"name\":\"n\"}");
	assert_int_equal(cni_conf_valid_attachments(&req, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	cJSON_Delete(req.conf);
	req = req_from("{\"name\":\"n\",\"cni.dev/valid-attachments\":[]}");
	assert_int_equal(cni_conf_valid_attachments(&req, &list, &n, &err), 1);
	assert_int_equal(n, 0);
	assert_false(cni_attachment_listed(list, n, "c", "eth0"));
	free(list);
	cJSON_Delete(req.conf);
	req = req_from("{\"name\":\"n\",\"cni.dev/valid-attachments\":[1]}");
	assert_int_equal(cni_conf_valid_attachments(&req, &list, &n, &err), -1);
	assert_string_equal(err.msg, "\"cni.dev/valid-attachments\"[0]: expected an object");
	cJSON_Delete(req.conf);
	req = req_from("{\"name\":\"n\",\"cni.dev/attachments\":[{\"containerID\":5}]}");
	assert_int_equal(cni_conf_valid_attachments(&req, &list, &n, &err), -1);
	assert_string_equal(err.msg, "\"cni.dev/attachments\"[0]: \"containerID\": expected a "
				     "string, got a number");
	cJSON_Delete(req.conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prev_result_absent),
	    cmocka_unit_test(test_prev_result_same_group),
	    cmocka_unit_test(test_prev_result_other_group_fails_like_go),
	    cmocka_unit_test(test_prev_result_malformed),
	    cmocka_unit_test(test_valid_attachments_both_spellings),
	    cmocka_unit_test(test_valid_attachments_edge_cases),
	};
	return cmocka_run_group_tests_name("cni_conf", tests, NULL, NULL);
}
