/* GC (CNI 1.1): release every lease of this network whose attachment the
 * runtime no longer knows (cni.dev/valid-attachments). Only files named
 * like an address are leases to GC; lock, last_reserved_ip.*, our index and
 * anything else an operator put in the store stay. The runtime runs GC
 * alone, and it holds the store lock anyway, so no ADD is mid-way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/cni/conf.h"
#include "plugin/host-local/conf.h"
#include "plugin/host-local/verbs.h"
#include "plugin/host-local/store.h"
#include "lib/cni/log.h"

/* A lease file holds "<id>\r\n<ifname>", or only "<id>" in the legacy
 * format, which is kept when any valid attachment has that container ID
 * (it cannot say which interface it was for). An unreadable file ("") is
 * kept: we cannot tell whose it is. */
static bool still_valid(const char *owner, const struct cni_attachment *v, size_t n)
{
	const char *sep = strstr(owner, "\r\n");
	if (!*owner)
		return true;
	if (sep) {
		size_t idlen = (size_t)(sep - owner);
		for (size_t i = 0; i < n; i++)
			if (v[i].container_id && v[i].ifname &&
			    strlen(v[i].container_id) == idlen &&
			    memcmp(v[i].container_id, owner, idlen) == 0 &&
			    strcmp(v[i].ifname, sep + 2) == 0)
				return true;
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].container_id && strcmp(v[i].container_id, owner) == 0)
			return true;
	return false;
}

struct gc_tally {
	size_t released, kept, failed;
	char errors[CNI_ERR_MSG_MAX];
	size_t elen;
};

/* Keep going after a failure; every failure is reported at the end. */
static void note_failure(struct gc_tally *t, const char *name, int e)
{
	int w = snprintf(t->errors + t->elen, sizeof(t->errors) - t->elen, "%sremove lease %s: %s",
			 t->failed ? "; " : "", name, strerror(e));
	if (w > 0)
		t->elen = t->elen + (size_t)w >= sizeof(t->errors) ? sizeof(t->errors) - 1
								   : t->elen + (size_t)w;
	t->failed++;
}

static void collect_garbage(struct hl_store *s, const struct cni_attachment *v, size_t n,
			    struct gc_tally *t)
{
	for (size_t i = 0; i < s->index.n; i++) {
		struct hl_lease *l = &s->index.v[i];
		struct cni_ip ip;
		if (!l->live || !hl_lease_ip(l, &ip))
			continue;
		if (still_valid(l->owner, v, n)) {
			t->kept++;
			continue;
		}
		if (unlinkat(s->dirfd, l->name, 0) < 0 && errno != ENOENT) {
			note_failure(t, l->name, errno);
			continue;
		}
		hl_index_del(&s->index, l->name);
		t->released++;
	}
}

static int gc_store(const struct hl_conf *c, const struct cni_attachment *v, size_t n,
		    struct cni_err *err)
{
	struct hl_store s;
	struct gc_tally t = {0};
	int rc = hl_store_exists(c->data_dir, c->name, err);
	if (rc <= 0)
		return rc; /* no store: nothing was ever leased */
	if (hl_store_open_locked(&s, c->data_dir, c->name, err) < 0)
		return -1;
	collect_garbage(&s, v, n, &t);
	cni_note("GC of network %s: %zu leases released, %zu kept", c->name, t.released, t.kept);
	hl_store_close(&s);
	if (t.failed)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "host-local GC: %zu of %zu leases stuck: %s", t.failed,
				   t.failed + t.released, t.errors);
	return 0;
}

int host_local_gc(const struct cni_request *req, struct cni_err *err)
{
	struct hl_conf c;
	struct cni_attachment *valid = NULL;
	size_t n = 0;
	if (hl_conf_load(req, &c, err) < 0)
		return -1;
	/* Without the list there is nothing to compare against: releasing
	 * everything on a runtime's omission would cut every container off. */
	int rc = cni_conf_valid_attachments(req, &valid, &n, err);
	if (rc > 0)
		rc = gc_store(&c, valid, n, err);
	free(valid);
	hl_conf_free(&c);
	return rc < 0 ? -1 : 0;
}
