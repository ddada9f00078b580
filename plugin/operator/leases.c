/* A network's leases, read through plugin/host-local's store and index
 * (the same code ADD and DEL use, under the same lock). See op.h. */
#include "plugin/operator/op.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "plugin/host-local/store.h"
#include "lib/util/vec.h"

/* "<id>\r\n<ifname>", or "<id>" alone (the legacy format). */
static int split_owner(const char *owner, struct op_lease *l)
{
	const char *sep = strstr(owner, "\r\n");
	l->cid = sep ? strndup(owner, (size_t)(sep - owner)) : strdup(owner);
	l->ifname = sep ? strdup(sep + 2) : NULL;
	return l->cid && (!sep || l->ifname) ? 0 : -1;
}

static int add_lease(struct op_lease **v, size_t *n, const struct hl_store *s,
		     const struct hl_lease *hl, const struct cni_ip *ip, time_t now, long min_age)
{
	struct stat st;
	struct op_lease *l = array_push(v, n, NULL, sizeof(*l));
	if (!l)
		return -1;
	snprintf(l->file, sizeof(l->file), "%s", hl->name);
	l->ip = *ip;
	l->port = -1;
	l->earlier_boot = hl->earlier_boot;
	if (fstatat(s->dirfd, hl->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		l->mtime = st.st_mtime;
		l->young = now - st.st_mtime < min_age;
	}
	return split_owner(hl->owner, l);
}

int op_leases_read(const struct op_net *net, time_t now, long min_age, struct op_lease **out,
		   size_t *n, struct cni_err *err)
{
	struct hl_store s;
	int rc = 0;
	*out = NULL;
	*n = 0;
	if (!net->host_local)
		return 0;
	rc = hl_store_exists(net->hl.data_dir, net->hl.name, err);
	if (rc <= 0)
		return rc;
	if (hl_store_open_locked(&s, net->hl.data_dir, net->hl.name, err) < 0)
		return -1;
	rc = 0;
	for (size_t i = 0; rc == 0 && i < s.index.n; i++) {
		const struct hl_lease *hl = &s.index.v[i];
		struct cni_ip ip;
		if (hl->live && hl_lease_ip(hl, &ip))
			rc = add_lease(out, n, &s, hl, &ip, now, min_age);
	}
	hl_store_close(&s);
	if (rc < 0)
		return cni_err_set(err, CNI_ERR_IO, "reading leases of %s: out of memory",
				   net->name);
	return 0;
}

void op_leases_free(struct op_lease *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].cid);
		free(v[i].ifname);
	}
	free(v);
}
