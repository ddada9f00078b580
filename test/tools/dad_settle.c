/* Runs the bridge's DAD wait (plugin/bridge/settle.c) on a link of the
 * calling netns, for t_bridge_dad.sh: the cases that need a link in a
 * state an ADD never leaves it in (no carrier).
 * usage: dad_settle IFNAME TIMEOUT_MS
 * Prints "ok" and exits 0, or prints the error message and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include "plugin/bridge/steps.h"

int main(int argc, char **argv)
{
	cleanup_nl struct nl nl = {0};
	struct cni_err err = {0};
	struct nl_link l;

	if (argc != 3) {
		fprintf(stderr, "usage: dad_settle IFNAME TIMEOUT_MS\n");
		return 2;
	}
	if (nl_open(&nl, &err) < 0 || nl_link_get(&nl, argv[1], 0, &l, &err) != 0 ||
	    ctr_settle_addresses(&nl, l.ifindex, argv[1], atoi(argv[2]), &err) < 0) {
		printf("%s\n", err.msg[0] ? err.msg : "link not found");
		return 1;
	}
	printf("ok\n");
	return 0;
}
