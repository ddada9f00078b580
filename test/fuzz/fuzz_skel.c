/* libFuzzer harness for the whole request path: stdin through cni_run, with
 * a plugin whose handlers read what real plugins read (prevResult, GC
 * attachments, CNI_ARGS) and whose ADD echoes the prevResult back. The
 * first input byte picks the verb. Output goes to /dev/null. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cni/args.h"
#include "lib/cni/conf.h"
#include "lib/cni/skel.h"

static int read_common(const struct cni_request *req, struct cni_err *err)
{
	static const char *const known[] = {"MAC", NULL};
	struct cni_args a;
	if (cni_args_parse(req->env.args, known, &a, err) < 0)
		return -1;
	cni_args_free(&a);
	struct cni_attachment *list;
	size_t n;
	if (cni_conf_valid_attachments(req, &list, &n, err) < 0)
		return -1;
	free(list);
	return 0;
}

static int add(const struct cni_request *req, struct cni_result *res, struct cni_err *err)
{
	if (read_common(req, err) < 0)
		return -1;
	return cni_conf_prev_result(req, res, err) < 0 ? -1 : 0;
}

static int check(const struct cni_request *req, struct cni_err *err)
{
	struct cni_result prev;
	if (read_common(req, err) < 0 || cni_conf_prev_result(req, &prev, err) < 0)
		return -1;
	cni_result_free(&prev);
	return 0;
}

static const struct cni_plugin plugin = {
    .name = "fuzz", .add = add, .del = check, .check = check, .status = check, .gc = check};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cmds[] = {"ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION"};
	static FILE *devnull;
	if (!devnull)
		devnull = fopen("/dev/null", "we");
	if (size < 2 || !devnull)
		return 0;
	struct cni_env env = {.command = cmds[data[0] % 6],
			      .container_id = "c1",
			      .netns = "/nonexistent/netns",
			      .ifname = "eth0",
			      .path = "/nonexistent",
			      .args = data[0] & 0x80 ? "IgnoreUnknown=1;K8S_POD_NAME=x" : "MAC=x"};
	FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
	if (!in)
		return 0;
	cni_run(&plugin, &env, in, devnull, devnull);
	fclose(in);
	return 0;
}
