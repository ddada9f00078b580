/* `cni-bridge show` and `cni-bridge leaks`. See op.h. */
#include "plugin/operator/op.h"

#include <stdio.h>

static int load(struct op_node *node, const struct op_opts *o)
{
	struct cni_err err = {0};
	if (op_node_load(node, o, &err) == 0)
		return 0;
	fprintf(stderr, "cni-bridge: %s\n", err.msg);
	op_node_free(node);
	return -1;
}

int op_cmd_show(const struct op_opts *o)
{
	struct op_node node;
	if (load(&node, o) < 0)
		return 2;
	op_print_show(&node, o->json);
	int rc = node.errors ? 2 : 0;
	op_node_free(&node);
	return rc;
}

int op_cmd_leaks(const struct op_opts *o)
{
	struct op_node node;
	if (load(&node, o) < 0)
		return 2;
	op_print_leaks(&node, o->json, "DETAIL");
	int rc = node.errors ? 2 : op_leak_count(&node) ? 1 : 0;
	op_node_free(&node);
	return rc;
}
