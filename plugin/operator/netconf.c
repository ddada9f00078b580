/* The node's bridge networks, from the runtime's conflist directory, parsed
 * with the plugins' own config code. See op.h. */
#include "plugin/operator/op.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cni/json.h"
#include "lib/cni/version.h"
#include "lib/util/vec.h"

static bool conf_file(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && ((n > 9 && strcmp(name + n - 9, ".conflist") == 0) ||
				  (n > 5 && strcmp(name + n - 5, ".conf") == 0) ||
				  (n > 5 && strcmp(name + n - 5, ".json") == 0));
}

static char *slurp(const char *path, size_t *len, struct cni_err *err)
{
	FILE *f = fopen(path, "re");
	char *buf = f ? malloc(JSON_MAX_INPUT + 1) : NULL;
	if (!f)
		return cni_err_errno(err, CNI_ERR_IO, errno, "open %s", path), NULL;
	*len = buf ? fread(buf, 1, JSON_MAX_INPUT + 1, f) : 0;
	if (!buf || ferror(f) || *len > JSON_MAX_INPUT) {
		cni_err_set(err, CNI_ERR_IO, "read %s: %s", path,
			    buf ? "unreadable or larger than 4 MiB" : "out of memory");
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		buf[*len] = '\0';
	return buf;
}

static int add_net(struct op_net **v, size_t *n, const char *file, const char *name)
{
	struct op_net *net = array_push(v, n, NULL, sizeof(*net));
	if (!net)
		return -1;
	net->file = strdup(file);
	net->name = strdup(name);
	return net->name && net->file ? 0 : -1;
}

static void net_error(struct op_net *net, const struct cni_err *e)
{
	if (asprintf(&net->error, "%s: %s", net->file, e->msg) < 0)
		net->error = NULL;
}

/* The plugin object, with the list's name and cniVersion put in as libcni
 * does, then the plugins' parsers: bridge_conf_parse_for_del (what DEL
 * accepts) and hl_conf_load. */
static void net_parse(struct op_net *net, const cJSON *plugin, const char *version)
{
	struct cni_err e = {0};
	const cJSON *ipam = NULL;
	const char *type = NULL;
	net->conf = cJSON_Duplicate(plugin, true);
	if (!net->conf)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(net->conf, "name");
	cJSON_DeleteItemFromObjectCaseSensitive(net->conf, "cniVersion");
	cJSON_AddStringToObject(net->conf, "name", net->name);
	cJSON_AddStringToObject(net->conf, "cniVersion", version);
	net->req.cmd = CNI_CMD_DEL;
	net->req.conf = net->conf;
	net->req.name = json_get(net->conf, "name")->valuestring;
	net->req.version = json_get(net->conf, "cniVersion")->valuestring;
	if (cni_validate_name(net->name, &e) < 0 ||
	    bridge_conf_parse_for_del(&net->req, &net->br, &e) < 0) {
		net_error(net, &e);
		return;
	}
	net->br_ok = true;
	if (json_get_object(net->conf, "ipam", &ipam, &e) == 0 &&
	    json_get_string(ipam, "type", &type, &e) == 0 && type &&
	    strcmp(type, "host-local") == 0) {
		if (hl_conf_load(&net->req, &net->hl, &e) < 0)
			net_error(net, &e);
		else
			net->host_local = true;
	}
}

/* The bridge plugin of a file's chain, or NULL. *version: the list's. */
static const cJSON *bridge_of(const cJSON *doc, const char **version)
{
	const cJSON *plugins = json_get(doc, "plugins"), *p;
	const cJSON *v = json_get(doc, "cniVersion");
	*version = cJSON_IsString(v) ? v->valuestring : CNI_VERSION_DEFAULT;
	if (!plugins) {
		const cJSON *t = json_get(doc, "type");
		return cJSON_IsString(t) && strcmp(t->valuestring, "bridge") == 0 ? doc : NULL;
	}
	cJSON_ArrayForEach(p, plugins)
	{
		const cJSON *t = json_get(p, "type");
		if (cJSON_IsString(t) && strcmp(t->valuestring, "bridge") == 0)
			return p;
	}
	return NULL;
}

static bool seen(const struct op_net *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return true;
	return false;
}

static int load_file(const char *path, const char *only, struct op_net **v, size_t *n)
{
	struct cni_err e = {0};
	size_t len;
	const char *version;
	char *text = slurp(path, &len, &e);
	cJSON *doc = text ? json_parse(text, len, path, &e) : NULL;
	const cJSON *name = json_get(doc, "name"), *plugin = doc ? bridge_of(doc, &version) : NULL;
	int rc = 0;
	free(text);
	if (!doc || !cJSON_IsString(name)) {
		if (!only) { /* say so: the runtime would not use this file either */
			const char *base = strrchr(path, '/');
			if (!cni_err_isset(&e))
				cni_err_set(&e, CNI_ERR_INVALID_CONFIG, "no network \"name\"");
			rc = add_net(v, n, path, base ? base + 1 : path);
			if (rc == 0)
				net_error(&(*v)[*n - 1], &e);
		}
	} else if (plugin && !seen(*v, *n, name->valuestring) &&
		   (!only || strcmp(only, name->valuestring) == 0)) {
		rc = add_net(v, n, path, name->valuestring);
		if (rc == 0)
			net_parse(&(*v)[*n - 1], plugin, version);
	}
	cJSON_Delete(doc);
	return rc;
}

int op_nets_load(const char *dir, const char *only, struct op_net **out, size_t *n,
		 struct cni_err *err)
{
	struct dirent **names = NULL;
	int count = scandir(dir, &names, NULL, alphasort), rc = 0;
	*out = NULL;
	*n = 0;
	if (count < 0)
		return cni_err_errno(err, CNI_ERR_IO, errno, "listing %s", dir);
	for (int i = 0; i < count; i++) {
		char path[4096];
		if (rc == 0 && conf_file(names[i]->d_name) &&
		    snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) <
			(int)sizeof(path))
			rc = load_file(path, only, out, n);
		free(names[i]);
	}
	free(names);
	if (rc < 0)
		return cni_err_set(err, CNI_ERR_IO, "reading %s: out of memory", dir);
	if (only && *n == 0)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "no network %s with a bridge plugin in %s", only, dir);
	return 0;
}

void op_nets_free(struct op_net *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].host_local)
			hl_conf_free(&v[i].hl);
		if (v[i].br_ok)
			bridge_conf_free(&v[i].br);
		cJSON_Delete(v[i].conf);
		free(v[i].file);
		free(v[i].name);
		free(v[i].error);
	}
	free(v);
}
