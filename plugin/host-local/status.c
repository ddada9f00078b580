/* STATUS (CNI 1.1): "can ADD be served?" ADD takes one address from every
 * range set, so a single exhausted set is enough to make it fail. The
 * answer comes from the lease index, under the lock, so it is exact at the
 * moment of the call and costs no lease-file reads. */
#include <stdio.h>
#include <string.h>
#include "plugin/host-local/capacity.h"
#include "plugin/host-local/conf.h"
#include "plugin/host-local/verbs.h"
#include "plugin/host-local/store.h"

/* Appends "range set i (a-b, n leased)" for every exhausted set; returns how
 * many there are. */
static size_t exhausted_sets(const struct hl_conf *c, const struct hl_index *x, char *buf,
			     size_t len)
{
	size_t n = 0, off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < c->n_sets; i++) {
		struct hl_capacity cap = hl_capacity_of(&c->sets[i], x);
		char rs[512];
		if (hl_capacity_free(&cap) > 0)
			continue;
		int w = snprintf(buf + off, len - off, "%srange set %zu (%s: %llu of %llu leased)",
				 n ? "; " : "", i, hl_rangeset_format(&c->sets[i], rs, sizeof(rs)),
				 (unsigned long long)cap.leased, (unsigned long long)cap.size);
		if (w > 0)
			off = off + (size_t)w >= len ? len - 1 : off + (size_t)w;
		n++;
	}
	return n;
}

/* A store that cannot be read means ADD cannot work either: code 50, with
 * the cause the store layer found (path and errno). */
static int unavailable(struct cni_err *err)
{
	cni_err_prefix(err, "host-local: lease store unusable");
	err->code = CNI_ERR_UNAVAILABLE;
	return -1;
}

int host_local_status(const struct cni_request *req, struct cni_err *err)
{
	struct hl_conf c;
	struct hl_store s;
	char sets[CNI_ERR_MSG_MAX / 2];
	if (hl_conf_load(req, &c, err) < 0)
		return -1;
	int rc = hl_store_exists(c.data_dir, c.name, err);
	if (rc <= 0) { /* no store yet: nothing leased, so every set has room */
		rc = rc < 0 ? unavailable(err) : 0;
		goto out;
	}
	rc = -1;
	if (hl_store_open(&s, c.data_dir, c.name, err) < 0) {
		unavailable(err);
		goto out;
	}
	if (hl_store_lock(&s, err) < 0) {
		unavailable(err);
		goto out_store;
	}
	if (exhausted_sets(&c, &s.index, sets, sizeof(sets)) == 0)
		rc = 0;
	else
		cni_err_set(err, CNI_ERR_UNAVAILABLE,
			    "host-local: network %s: no free addresses in %s", c.name, sets);
out_store:
	hl_store_close(&s);
out:
	hl_conf_free(&c);
	return rc;
}
