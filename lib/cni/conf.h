/* Keys every plugin reads from the request configuration. */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>
#include "lib/cni/error.h"
#include "lib/cni/result.h"
#include "lib/cni/skel.h"

/* prevResult parsed as the config's version (Go's ParsePrevResult: a
 * prevResult without cniVersion takes the config's, and it must be in the
 * config's version group: 0.1.0-0.2.0, 0.3.0-0.4.0 or 1.0.0-1.1.0). Returns
 * 1 and fills *out (free with cni_result_free) when present, 0 when absent
 * or null (*out empty), -1 on error: code 6 when malformed, code 1 with Go's
 * `could not parse prevResult: result type supports [1.0.0 1.1.0] but
 * unmarshalled CNIVersion is "0.4.0"` for another group. */
int cni_conf_prev_result(const struct cni_request *req, struct cni_result *out,
			 struct cni_err *err);

struct cni_attachment {
	const char *container_id; /* borrowed from req->conf */
	const char *ifname;
};

/* GC's cni.dev/valid-attachments (or the misspelled cni.dev/attachments,
 * which libcni also sends). *out is malloc'd (free it), *n may be 0.
 * Returns 1 when a list was given, 0 when neither key is present, -1 on a
 * malformed list. */
int cni_conf_valid_attachments(const struct cni_request *req, struct cni_attachment **out,
			       size_t *n, struct cni_err *err);
bool cni_attachment_listed(const struct cni_attachment *list, size_t n, const char *container_id,
			   const char *ifname);
