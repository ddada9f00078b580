/* Output of show and leaks: a table a person reads at a glance, or JSON
 * whose keys are documented in README ("cni-bridge: the operator's
 * command") and never renamed. See op.h. */
#include "plugin/operator/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cni/json.h"

const char *op_rule_kind_name(enum op_rule_kind k)
{
	return k == OP_RULE_NFT ? "nftables" : k == OP_RULE_IPT ? "iptables" : "spoofchk";
}

static const char *lease_state(const struct op_view *v, const struct op_lease *l)
{
	return l->live ? "live" : op_lease_leaked(v, l) ? "leaked" : l->young ? "new" : "unknown";
}

static bool same_owner(const struct op_lease *a, const struct op_lease *b)
{
	return strcmp(a->cid, b->cid) == 0 &&
	       (a->ifname == b->ifname ||
		(a->ifname && b->ifname && !strcmp(a->ifname, b->ifname)));
}

/* The first lease of each attachment starts a row; later ones join it. */
static bool first_of_owner(const struct op_view *v, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (same_owner(&v->leases[j], &v->leases[i]))
			return false;
	return true;
}

static const struct op_port *port_of(const struct op_view *v, size_t lease)
{
	for (size_t j = 0; j < v->n_leases; j++)
		if (same_owner(&v->leases[j], &v->leases[lease]) && v->leases[j].port >= 0)
			return &v->ports[v->leases[j].port];
	return NULL;
}

static cJSON *str_or_null(const char *s)
{
	return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *addrs_json(const struct op_iface *i)
{
	cJSON *a = cJSON_CreateArray();
	char buf[CNI_IPNET_STRLEN];
	for (size_t k = 0; i && k < i->n_addrs; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(cni_ipnet_format(&i->addrs[k], buf)));
	return a;
}

static cJSON *rules_json(const struct op_view *v, size_t lease)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "nftables", 0);
	cJSON_AddNullToObject(r, "iptables");
	cJSON_AddNullToObject(r, "spoofchk");
	for (size_t k = 0; k < v->n_rules; k++) {
		const struct op_rule *x = &v->rules[k];
		if (x->lease < 0 || !same_owner(&v->leases[x->lease], &v->leases[lease]))
			continue;
		if (x->kind == OP_RULE_NFT)
			cJSON_ReplaceItemInObject(r, "nftables",
						  cJSON_CreateNumber((double)x->count));
		else
			cJSON_ReplaceItemInObject(r, op_rule_kind_name(x->kind),
						  cJSON_CreateString(x->key));
	}
	return r;
}

static cJSON *attachment_json(const struct op_view *v, size_t i)
{
	const struct op_lease *l = &v->leases[i];
	const struct op_port *p = port_of(v, i);
	cJSON *a = cJSON_CreateObject(), *ips = cJSON_CreateArray();
	char buf[CNI_IPNET_STRLEN];
	cJSON_AddStringToObject(a, "containerID", l->cid);
	cJSON_AddItemToObject(a, "ifname", str_or_null(l->ifname));
	for (size_t j = i; j < v->n_leases; j++)
		if (same_owner(&v->leases[j], l)) {
			cJSON *ip = cJSON_CreateObject();
			cJSON_AddStringToObject(ip, "address",
						cni_ip_format(&v->leases[j].ip, buf));
			cJSON_AddStringToObject(ip, "state", lease_state(v, &v->leases[j]));
			cJSON_AddBoolToObject(ip, "earlierBoot", v->leases[j].earlier_boot);
			cJSON_AddItemToArray(ips, ip);
		}
	cJSON_AddItemToObject(a, "ips", ips);
	cJSON_AddItemToObject(a, "hostVeth", str_or_null(p ? p->veth->name : NULL));
	cJSON_AddItemToObject(a, "mac", str_or_null(p && p->peer ? p->peer->mac : NULL));
	cJSON_AddItemToObject(a, "containerIfname",
			      str_or_null(p && p->peer ? p->peer->name : NULL));
	cJSON_AddItemToObject(a, "netns",
			      str_or_null(p && p->ns && !p->ns->host ? p->ns->path : NULL));
	cJSON_AddItemToObject(a, "rules", rules_json(v, i));
	return a;
}

static cJSON *port_json(const struct op_port *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "hostVeth", p->veth->name);
	cJSON_AddItemToObject(o, "mac", str_or_null(p->peer ? p->peer->mac : NULL));
	cJSON_AddItemToObject(o, "containerIfname", str_or_null(p->peer ? p->peer->name : NULL));
	cJSON_AddItemToObject(o, "netns", str_or_null(p->ns && !p->ns->host ? p->ns->path : NULL));
	cJSON_AddItemToObject(o, "addresses", addrs_json(p->peer));
	return o;
}

static cJSON *errors_json(const struct op_node *node)
{
	cJSON *e = cJSON_CreateArray();
	const char *p = node->errors;
	while (p && *p) {
		const char *end = strstr(p, "; ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *s = strndup(p, len);
		cJSON_AddItemToArray(e, cJSON_CreateString(s ? s : ""));
		free(s);
		p = end ? end + 2 : p + len;
	}
	return e;
}

static cJSON *view_json(const struct op_view *v)
{
	cJSON *n = cJSON_CreateObject(), *br = cJSON_CreateObject();
	cJSON *att = cJSON_CreateArray(), *ports = cJSON_CreateArray();
	cJSON_AddStringToObject(n, "name", v->net->name);
	cJSON_AddStringToObject(n, "file", v->net->file);
	cJSON_AddItemToObject(n, "error", str_or_null(v->net->error));
	cJSON_AddStringToObject(br, "name", v->net->error ? "" : v->net->br.bridge);
	cJSON_AddBoolToObject(br, "present", v->bridge != NULL);
	cJSON_AddBoolToObject(br, "up", v->bridge && v->bridge->up);
	cJSON_AddItemToObject(br, "mac", str_or_null(v->bridge ? v->bridge->mac : NULL));
	cJSON_AddItemToObject(br, "addresses", addrs_json(v->bridge));
	cJSON_AddItemToObject(n, "bridge", br);
	cJSON_AddItemToObject(n, "ipam", str_or_null(v->net->error ? NULL : v->net->br.ipam_type));
	cJSON_AddItemToObject(n, "dataDir",
			      str_or_null(v->net->host_local ? v->net->hl.data_dir : NULL));
	for (size_t i = 0; i < v->n_leases; i++)
		if (first_of_owner(v, i))
			cJSON_AddItemToArray(att, attachment_json(v, i));
	for (size_t i = 0; i < v->n_ports; i++)
		if (!v->ports[i].has_lease)
			cJSON_AddItemToArray(ports, port_json(&v->ports[i]));
	cJSON_AddItemToObject(n, "attachments", att);
	cJSON_AddItemToObject(n, "portsWithoutLease", ports);
	return n;
}

static void print_json(cJSON *doc)
{
	char *s = json_print_go(doc);
	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(doc);
}

static void join_addrs(const struct op_iface *i, char *out, size_t size)
{
	char buf[CNI_IPNET_STRLEN];
	size_t pos = 0;
	out[0] = '\0';
	for (size_t k = 0; i && k < i->n_addrs && pos < size; k++)
		pos += (size_t)snprintf(out + pos, size - pos, "%s%s", k ? " " : "",
					cni_ipnet_format(&i->addrs[k], buf));
}

static void show_row(const struct op_view *v, size_t i)
{
	const struct op_lease *l = &v->leases[i];
	const struct op_port *p = port_of(v, i);
	char ips[512] = "", rules[64] = "", buf[CNI_IPNET_STRLEN], state[16] = "live";
	size_t pos = 0;
	for (size_t j = i; j < v->n_leases && pos < sizeof(ips); j++)
		if (same_owner(&v->leases[j], l)) {
			pos +=
			    (size_t)snprintf(ips + pos, sizeof(ips) - pos, "%s%s", pos ? "," : "",
					     cni_ip_format(&v->leases[j].ip, buf));
			if (!v->leases[j].live)
				snprintf(state, sizeof(state), "%s", lease_state(v, &v->leases[j]));
		}
	pos = 0;
	for (size_t k = 0; k < v->n_rules; k++)
		if (v->rules[k].lease >= 0 && same_owner(&v->leases[v->rules[k].lease], l))
			pos +=
			    (size_t)snprintf(rules + pos, sizeof(rules) - pos, "%s%s",
					     pos ? "," : "", op_rule_kind_name(v->rules[k].kind));
	printf("  %-12.12s %-6s %-28s %-15s %-17s %-20s %-18s %s\n", l->cid,
	       l->ifname ? l->ifname : "-", ips, p ? p->veth->name : "-",
	       p && p->peer ? p->peer->mac : "-",
	       p && p->ns ? (p->ns->host ? "host" : p->ns->path) : "-", *rules ? rules : "-",
	       state);
}

static void show_table(const struct op_node *node)
{
	for (size_t n = 0; n < node->n_nets; n++) {
		const struct op_view *v = &node->views[n];
		char addrs[512];
		if (v->net->error) {
			printf("%s  error: %s\n\n", v->net->name, v->net->error);
			continue;
		}
		join_addrs(v->bridge, addrs, sizeof(addrs));
		printf("%s  bridge %s %s  %s  (%s, ipam %s)\n", v->net->name, v->net->br.bridge,
		       !v->bridge      ? "ABSENT"
		       : v->bridge->up ? "UP"
				       : "DOWN",
		       *addrs ? addrs : "-", v->net->file,
		       v->net->br.ipam_type ? v->net->br.ipam_type : "none");
		printf("  %-12s %-6s %-28s %-15s %-17s %-20s %-18s %s\n", "CONTAINER", "IFNAME",
		       "IPS", "VETH", "MAC", "NETNS", "RULES", "STATE");
		for (size_t i = 0; i < v->n_leases; i++)
			if (first_of_owner(v, i))
				show_row(v, i);
		for (size_t i = 0; i < v->n_ports; i++) {
			const struct op_port *p = &v->ports[i];
			if (p->has_lease)
				continue;
			join_addrs(p->peer, addrs, sizeof(addrs));
			printf("  %-12s %-6s %-28s %-15s %-17s %-20s %-18s %s\n", "-",
			       p->peer ? p->peer->name : "-", *addrs ? addrs : "-", p->veth->name,
			       p->peer ? p->peer->mac : "-",
			       p->ns ? (p->ns->host ? "host" : p->ns->path) : "?", "-", "no lease");
		}
		printf("\n");
	}
}

void op_print_show(const struct op_node *node, bool json)
{
	if (json) {
		cJSON *doc = cJSON_CreateObject(), *nets = cJSON_CreateArray();
		for (size_t n = 0; n < node->n_nets; n++)
			cJSON_AddItemToArray(nets, view_json(&node->views[n]));
		cJSON_AddItemToObject(doc, "networks", nets);
		cJSON_AddItemToObject(doc, "errors", errors_json(node));
		print_json(doc);
		return;
	}
	show_table(node);
	if (node->errors)
		fprintf(stderr, "cni-bridge: %s\n", node->errors);
}

/* One leak: its JSON object and its table row come from the same fields. */
struct leak {
	const char *kind, *network, *object, *container, *ifname, *detail;
};

static void leak_emit(const struct leak *k, cJSON *arr)
{
	if (arr) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "kind", k->kind);
		cJSON_AddItemToObject(o, "network", str_or_null(k->network));
		cJSON_AddStringToObject(o, "object", k->object);
		cJSON_AddItemToObject(o, "containerID", str_or_null(k->container));
		cJSON_AddItemToObject(o, "ifname", str_or_null(k->ifname));
		cJSON_AddStringToObject(o, "detail", k->detail);
		cJSON_AddItemToArray(arr, o);
		return;
	}
	printf("%-9s %-14s %-34s %-14.14s %-6s %s\n", k->kind, k->network ? k->network : "-",
	       k->object, k->container && *k->container ? k->container : "-",
	       k->ifname && *k->ifname ? k->ifname : "-", k->detail);
}

static void rule_detail(const struct op_rule *r, char *out, size_t size)
{
	if (r->kind == OP_RULE_NFT)
		snprintf(out, size,
			 "%zu rule(s) in inet cni_plugins_masquerade masq_checks, no lease",
			 r->count);
	else if (r->kind == OP_RULE_IPT)
		snprintf(out, size, "chain and jumps in nat (%s), no lease",
			 r->families == 3   ? "IPv4+IPv6"
			 : r->families == 2 ? "IPv6"
					    : "IPv4");
	else if (r->lease < 0 && *r->veth)
		snprintf(out, size, "bridge nat chains cni-br-iface-%s, veth %s, no lease", r->key,
			 r->veth);
	else
		snprintf(out, size, "bridge nat chains cni-br-iface-%s, its veth %s is gone",
			 r->key, *r->veth ? r->veth : "(none)");
}

static void leaks_of_view(const struct op_view *v, cJSON *arr)
{
	char obj[CNI_IPNET_STRLEN + 300], detail[600];
	for (size_t i = 0; i < v->n_leases; i++) {
		const struct op_lease *l = &v->leases[i];
		if (!op_lease_leaked(v, l))
			continue;
		snprintf(detail, sizeof(detail), "%sno interface holds it (%s/%s/%s)",
			 l->earlier_boot ? "made in an earlier boot; " : "", v->net->hl.data_dir,
			 v->net->name, l->file);
		leak_emit(&(struct leak){l->earlier_boot ? "boot" : "lease", v->net->name, l->file,
					 l->cid, l->ifname, detail},
			  arr);
	}
	for (size_t i = 0; i < v->n_ports; i++) {
		const struct op_port *p = &v->ports[i];
		if (!op_port_leaked(v, p))
			continue;
		snprintf(detail, sizeof(detail), "port of %s, no lease on its peer %s in %s",
			 v->net->br.bridge, p->peer->name, p->ns->host ? "host" : p->ns->path);
		leak_emit(&(struct leak){"veth", v->net->name, p->veth->name, NULL, NULL, detail},
			  arr);
	}
	for (size_t i = 0; i < v->n_rules; i++) {
		const struct op_rule *r = &v->rules[i];
		if (!op_rule_leaked(v, r))
			continue;
		rule_detail(r, detail, sizeof(detail));
		snprintf(obj, sizeof(obj), "%s", r->key);
		leak_emit(&(struct leak){op_rule_kind_name(r->kind), v->net->name, obj, r->cid,
					 r->ifname, detail},
			  arr);
	}
}

void op_print_leaks(const struct op_node *node, bool json, const char *verb)
{
	cJSON *doc = json ? cJSON_CreateObject() : NULL, *arr = json ? cJSON_CreateArray() : NULL;
	char detail[600];
	if (!json && op_leak_count(node))
		printf("%-9s %-14s %-34s %-14s %-6s %s\n", "KIND", "NETWORK", "OBJECT", "CONTAINER",
		       "IFNAME", verb);
	for (size_t n = 0; n < node->n_nets; n++)
		leaks_of_view(&node->views[n], arr);
	for (size_t i = 0; i < node->n_stray; i++) {
		rule_detail(&node->stray[i], detail, sizeof(detail));
		leak_emit(&(struct leak){"spoofchk", NULL, node->stray[i].key, NULL, NULL, detail},
			  arr);
	}
	if (json) {
		cJSON_AddItemToObject(doc, "leaks", arr);
		cJSON_AddItemToObject(doc, "errors", errors_json(node));
		print_json(doc);
	} else if (node->errors) {
		fprintf(stderr, "cni-bridge: %s\n", node->errors);
	}
}
