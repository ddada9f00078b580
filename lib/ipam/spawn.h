/* Private to lib/ipam: run one plugin process and collect what it says.
 * Runs on the calling (host) thread; never call it from a netns_run worker. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "lib/cni/error.h"

#define IPAM_TIMEOUT_DEFAULT_S 120
#define IPAM_STDERR_MAX (64u << 10) /* kept for messages; the rest is dropped */
#define IPAM_TXTBSY_RETRIES 5	    /* as Go: 1 + 5 attempts, 1 s apart */

struct ipam_spawn_req {
	const char *path; /* the plugin binary */
	const char *verb; /* CNI_COMMAND for the child */
	const char *stdin_buf;
	size_t stdin_len;
	unsigned timeout_s; /* kill the child after this long */
};

struct ipam_output {
	char *out; /* stdout, NUL-terminated, malloc'd; never NULL after success */
	size_t out_len;
	char *errtext; /* stderr (first IPAM_STDERR_MAX bytes), NUL-terminated */
	size_t err_len;
	int status;   /* waitpid status */
	bool started; /* the plugin ran (or began to): its store may have changed */
};

/* Starts path with our environment (CNI_COMMAND replaced by verb), only fds
 * 0, 1, 2 open, an empty signal mask, and the request's stdin bytes on a
 * pipe. Returns 0 when the child ran to its end (whatever its exit status,
 * see o->status), or -1 with err set when it could not be started (after
 * the ETXTBSY retries), timed out (code 11) or wrote more than
 * JSON_MAX_INPUT bytes. The child is always reaped before returning.
 * Free o with ipam_output_free, also after a failure. */
int ipam_spawn(const struct ipam_spawn_req *rq, struct ipam_output *o, struct cni_err *err);
void ipam_output_free(struct ipam_output *o);

/* CNI_IPAM_TIMEOUT_SECONDS when set to a positive integer, else the default. */
unsigned ipam_timeout_from_env(void);
