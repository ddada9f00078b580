/* cni-bridge: the operator's command (plugin/operator). Parses the command
 * line and hands over to a verb; exit 0 nothing found / done, 1 something
 * found (leaks, gc --dry-run), 2 error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plugin/operator/op.h"

static const char usage[] =
    "usage: cni-bridge show  [--json] [--conf-dir DIR] [NETWORK]\n"
    "       cni-bridge leaks [--json] [--conf-dir DIR] [--min-age SECONDS] [NETWORK]\n"
    "       cni-bridge gc    [--dry-run] [--json] [--conf-dir DIR] [--min-age SECONDS] [NETWORK]\n"
    "\n"
    "What is on each bridge network of this node, and what has leaked. Networks are\n"
    "the *.conflist, *.conf and *.json files of DIR (default /etc/cni/net.d) whose\n"
    "plugin chain has a \"bridge\"; NETWORK limits everything to one of them.\n"
    "\n"
    "show    the bridge, its addresses, and per attachment: container ID, ifname,\n"
    "        leased IPs, host veth, container MAC, netns, its masquerade (nftables,\n"
    "        iptables) and spoof-check rules, and its state: live (an address is on\n"
    "        the peer of a port of the bridge), new (lease younger than --min-age,\n"
    "        not on an interface yet), leaked. Ports without a lease are listed too.\n"
    "leaks   lists, one per line: leases (host-local) no live attachment holds\n"
    "        (kind boot: made in an earlier boot of this machine, whatever their age);\n"
    "        veths on the bridge whose peer holds no lease; masquerade rules and\n"
    "        chains (nftables, iptables) and spoof-check chains of attachments\n"
    "        without a lease, or whose veth is gone. Exit 0: none; 1: some; 2: error.\n"
    "gc      releases what leaks lists, through the plugins' code (host-local DEL,\n"
    "        the bridge's rule teardown and spoof-check GC), and deletes leaked\n"
    "        veths. --dry-run only lists (exit as leaks). Exit 0 done, 2 on error.\n"
    "\n"
    "--json          stable JSON instead of a table (keys documented in README)\n"
    "--conf-dir DIR  where the conflists are (default /etc/cni/net.d)\n"
    "--min-age S     a lease younger than S seconds is never leaked: an ADD in flight\n"
    "                has its lease before its address (default 60)\n"
    "--dry-run       gc: change nothing\n"
    "\n"
    "Reads with libnl-route-3 (links, addresses, bridge ports of every netns found\n"
    "in /run/netns, nsfs mounts and /proc/*/ns/net), nftables over netlink and\n"
    "iptables-save; needs CAP_NET_ADMIN and CAP_SYS_ADMIN (entering namespaces).\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},	       {"conf-dir", required_argument, NULL, 'c'},
	    {"min-age", required_argument, NULL, 'a'}, {"dry-run", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0}};
	struct op_opts o = {.conf_dir = OP_DEFAULT_CONF_DIR, .min_age = OP_DEFAULT_MIN_AGE};
	const char *verb = argc > 1 ? argv[1] : NULL;
	char *end;
	int c;

	if (verb &&
	    (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (!verb || (strcmp(verb, "show") && strcmp(verb, "leaks") && strcmp(verb, "gc"))) {
		fprintf(stderr, "cni-bridge: %s%s\n%s", verb ? "unknown command " : "no command",
			verb ? verb : "", usage);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'c':
			o.conf_dir = optarg;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'a':
			o.min_age = strtol(optarg, &end, 10);
			if (*optarg && !*end && o.min_age >= 0)
				break;
			fprintf(stderr, "cni-bridge: --min-age wants seconds >= 0, not %s\n",
				optarg);
			return 2;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc)
		o.only = argv[optind++];
	if (optind < argc || (o.dry_run && strcmp(verb, "gc") != 0)) {
		fprintf(stderr, "cni-bridge: unexpected argument %s\n%s",
			optind < argc ? argv[optind] : "--dry-run", usage);
		return 2;
	}
	if (strcmp(verb, "show") == 0)
		return op_cmd_show(&o);
	if (strcmp(verb, "leaks") == 0)
		return op_cmd_leaks(&o);
	return op_cmd_gc(&o);
}
