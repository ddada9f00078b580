/* Running the iptables tools: one process per batch, from the calling
 * (host) thread, through lib/util/spawn.h (the child dies with us). The
 * child gets only fds 0, 1 and 2: stdin is the batch, stdout and stderr
 * are captured (the plugin's own stdout carries the CNI result and must
 * not see the tool's output). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "lib/cni/error.h"

/* Finds name in $PATH (or the usual sbin/bin dirs when PATH is unset).
 * Returns true and fills path (size bytes) when an executable is found. */
bool ipt_find_tool(const char *name, char *path, size_t size);

struct ipt_output {
	char *out;	  /* the child's stdout, malloc'd and NUL-terminated */
	char errmsg[512]; /* the first line(s) of its stderr */
	int status;	  /* exit status, or 128 + signal */
};

/* Runs tool (a name found in PATH) with args (NULL-terminated, argv[0]
 * excluded) and input on stdin (NULL = empty). Returns 0 when the tool ran
 * (check res->status), -1 with err (code 5) when it could not be started
(not found, or the exec failed: its errno is in the message).
 * Free res->out with free(). */
int ipt_run(const char *tool, const char *const *args, const char *input, struct ipt_output *res,
	    struct cni_err *err);
