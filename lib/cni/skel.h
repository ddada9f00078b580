/* The CNI protocol around a plugin: environment, stdin, version gate,
 * dispatch, result or error printing. The reference's pkg/skel in C. */
#pragma once
#include <stdio.h>
#include <cjson/cJSON.h>
#include "lib/cni/error.h"
#include "lib/cni/result.h"

enum cni_cmd {
	CNI_CMD_ADD,
	CNI_CMD_DEL,
	CNI_CMD_CHECK,
	CNI_CMD_VERSION,
	CNI_CMD_STATUS,
	CNI_CMD_GC,
};

/* The CNI_* variables as read; an empty value is stored as NULL. */
struct cni_env {
	const char *command;
	const char *container_id;
	const char *netns;
	const char *ifname;
	const char *args;
	const char *path;
	const char *netns_override; /* CNI_NETNS_OVERRIDE */
};

struct cni_request {
	enum cni_cmd cmd;
	struct cni_env env;
	const char *stdin_buf; /* raw bytes, NUL-terminated; passed unchanged to IPAM */
	size_t stdin_len;
	cJSON *conf;	     /* the parsed config (owned by skel) */
	const char *version; /* the config's cniVersion, CNI_VERSION_DEFAULT if absent;
			      * borrowed from conf */
	const char *name;    /* the network name, validated */
};

/* Handlers return 0 or -1 with err set (-1 with no code set becomes 999,
 * as Go's skel does for a plain error). They run on the main thread in the
 * host netns. ADD fills *res (zeroed by skel, freed by skel), which skel
 * prints at req->version (a config without cniVersion gets 0.1.0). DEL,
 * CHECK, STATUS and GC print nothing on success. A NULL handler means
 * "succeed doing nothing"; a NULL add fails with 999. Before ADD and CHECK
 * skel refuses (code 8) a CNI_NETNS that is the plugin's own netns unless
 * CNI_NETNS_OVERRIDE is 1/true. The request and everything it points to
 * live until the handler returns. */
struct cni_plugin {
	const char *name; /* "bridge", shown in the about text */
	int (*add)(const struct cni_request *req, struct cni_result *res, struct cni_err *err);
	int (*del)(const struct cni_request *req, struct cni_err *err);
	int (*check)(const struct cni_request *req, struct cni_err *err);
	int (*status)(const struct cni_request *req, struct cni_err *err);
	int (*gc)(const struct cni_request *req, struct cni_err *err);
};

/* Reads the environment from getenv() and stdin/stdout/stderr. Returns the
 * process exit code (0, or 1 after printing the error JSON on stdout).
 * Order of checks (the first failure is the one reported):
 *   no CNI_COMMAND -> "about" text on stderr, exit 0;
 *   unknown command (4); missing variables for the verb (4: ADD/CHECK need
 *   CONTAINERID, NETNS, IFNAME, PATH; DEL needs CONTAINERID, IFNAME, PATH;
 *   GC/STATUS need PATH; an empty value is missing); container ID and
 *   ifname rules (4, control characters refused too); VERSION prints its reply here and never reads
 * stdin; stdin larger than JSON_MAX_INPUT (6) or unreadable (5); JSON (6); "name" (7); cniVersion
 * type (6); logFile/logLevel (6/7, see log.h; DEL only warns); CHECK < 0.4.0, GC/STATUS < 1.1.0
 * (1); cniVersion not exactly a supported one (1); own netns (8); for GC a malformed
 * cni.dev/valid-attachments (6); handler. Error JSON carries the config's cniVersion when the
 * config had one. When the config names a logFile, the outcome of the verb is appended there
 * (lib/cni/log.h); a log that cannot be written goes to stderr. */
int cni_main(const struct cni_plugin *plugin);

/* The testable core of cni_main. */
int cni_run(const struct cni_plugin *plugin, const struct cni_env *env, FILE *in, FILE *out,
	    FILE *log);

/* Validation with the reference's rules (code 4 on failure). */
int cni_validate_container_id(const char *id, struct cni_err *err);
int cni_validate_ifname(const char *ifname, struct cni_err *err);
/* Network names: ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ (code 7). */
int cni_validate_name(const char *name, struct cni_err *err);
