/* Keys every plugin reads from the request: prevResult and GC's list of
 * valid attachments. */
#include "lib/cni/conf.h"
#include "lib/cni/json.h"
#include "lib/cni/version.h"

#include <stdlib.h>
#include <string.h>

/* Go decodes a prevResult with the result type of the config's version,
 * and each type accepts only its own group of versions. */
static const char *const *version_group(const char *v)
{
	static const char *const legacy[] = {"0.1.0", "0.2.0", NULL};
	static const char *const v04[] = {"0.3.0", "0.3.1", "0.4.0", NULL};
	static const char *const v1x[] = {"1.0.0", "1.1.0", NULL};
	if (cni_version_ge(v, "1.0.0"))
		return v1x;
	if (cni_version_ge(v, "0.3.0"))
		return v04;
	return legacy;
}

static bool in_group(const char *const *group, const char *v)
{
	for (; *group; group++)
		if (strcmp(*group, v) == 0)
			return true;
	return false;
}

int cni_conf_prev_result(const struct cni_request *req, struct cni_result *out, struct cni_err *err)
{
	const cJSON *prev = json_get(req->conf, "prevResult");
	const char *ver = NULL;
	memset(out, 0, sizeof(*out));
	if (!prev)
		return 0;
	if (!cJSON_IsObject(prev))
		return cni_err_set(err, CNI_ERR_DECODE,
				   "could not parse prevResult: expected an object");
	if (json_get_string(prev, "cniVersion", &ver, err) < 0)
		return cni_err_prefix(err, "could not parse prevResult");
	const char *conf_ver = req->version ? req->version : CNI_VERSION_DEFAULT;
	if (!ver || !*ver)
		ver = conf_ver;
	const char *const *group = version_group(conf_ver);
	if (!in_group(group, ver)) {
		char list[64] = "";
		for (size_t i = 0; group[i]; i++) {
			if (i)
				strcat(list, " ");
			strcat(list, group[i]);
		}
		return cni_err_set(err, CNI_ERR_VERSION,
				   "could not parse prevResult: result type supports [%s] but "
				   "unmarshalled CNIVersion is \"%s\"",
				   list, ver);
	}
	if (cni_result_parse(prev, conf_ver, out, err) < 0)
		return cni_err_prefix(err, "could not parse prevResult");
	return 1;
}

int cni_conf_valid_attachments(const struct cni_request *req, struct cni_attachment **out,
			       size_t *n, struct cni_err *err)
{
	const char *key = "cni.dev/valid-attachments";
	const cJSON *list = NULL, *item;
	*out = NULL;
	*n = 0;
	if (!json_get(req->conf, key))
		key = "cni.dev/attachments"; /* the spec-v1.1.0 typo libcni also sends */
	if (json_get_array(req->conf, key, &list, err) < 0)
		return -1;
	if (!list)
		return 0;
	size_t count = (size_t)cJSON_GetArraySize(list), i = 0;
	struct cni_attachment *a = calloc(count ? count : 1, sizeof(*a));
	if (!a)
		return cni_err_set(err, CNI_ERR_INTERNAL, "\"%s\": out of memory", key);
	cJSON_ArrayForEach(item, list)
	{
		if (!cJSON_IsObject(item)) {
			cni_err_set(err, CNI_ERR_DECODE, "\"%s\"[%zu]: expected an object", key, i);
			goto fail;
		}
		if (json_get_string(item, "containerID", &a[i].container_id, err) < 0 ||
		    json_get_string(item, "ifname", &a[i].ifname, err) < 0) {
			cni_err_prefix(err, "\"%s\"[%zu]", key, i);
			goto fail;
		}
		i++;
	}
	*out = a;
	*n = count;
	return 1;
fail:
	free(a);
	return -1;
}

bool cni_attachment_listed(const struct cni_attachment *list, size_t n, const char *container_id,
			   const char *ifname)
{
	for (size_t i = 0; i < n; i++) {
		const struct cni_attachment *a = &list[i];
		if (a->container_id && a->ifname && container_id && ifname &&
		    strcmp(a->container_id, container_id) == 0 && strcmp(a->ifname, ifname) == 0)
			return true;
	}
	return false;
}
