/* Running an IPAM plugin that is linked into this binary instead of
 * exec'ing it (it saves the exec and the dynamic loading of a second
 * binary on every ADD and DEL): only when the file that CNI_PATH
 * resolves to is that very build, proved by its ELF build id. Anything else
 * (another version, the reference, a file with the same name) is exec'd.
 *
 * The in-process run goes through cni_run() with the same stdin bytes and
 * the same CNI_* values (CNI_COMMAND replaced), on the calling (host)
 * thread, and its stdout is handled exactly like a child's: same result
 * parsing, same error pass-through. Differences from exec: no timeout (a
 * plugin blocked on its store lock blocks us), and the plugin's stderr
 * goes straight to ours. CNI_IPAM_NO_INPROC=1 forces exec, and so does
 * CNI_IPAM_TIMEOUT_SECONDS set (non-empty): only a child can be timed out. */
#pragma once
#include <stddef.h>
#include "lib/cni/skel.h"
#include "lib/ipam/spawn.h"

struct ipam_inproc {
	const char *type;		 /* "host-local"; NULL ends a table */
	const struct cni_plugin *plugin; /* its verb table, linked in */
	const unsigned char *build_id;	 /* build id of the binary it replaces */
	size_t build_id_len;
};

/* The plugins linked into this binary that may run in-process, ended by
 * an entry with type NULL; the binary's main registers them (cmd/bridge:
 * host-local, with the build id of the host-local built alongside). The
 * table is borrowed and must outlive every ipam_exec_* call. Without a
 * registration every IPAM plugin is exec'd. */
void ipam_inproc_register(const struct ipam_inproc *table);
/* The registered table, or NULL. */
const struct ipam_inproc *ipam_inproc_registered(void);

/* The GNU build id of the ELF file at path into buf. Returns its length,
 * or -1 when the file is not a 64-bit ELF or has no build id note. */
int ipam_elf_build_id(const char *path, unsigned char *buf, size_t len);

/* The table entry for type whose build id equals that of the file at path,
 * or NULL. table may be NULL. */
const struct ipam_inproc *ipam_inproc_match(const struct ipam_inproc *table, const char *type,
					    const char *path);

/* Runs p's verb with CNI_COMMAND=verb and fills o as ipam_spawn would for a
 * child that printed the same stdout and exited with cni_run's code.
 * Returns -1 with err set only when it could not run at all (ENOMEM). */
int ipam_inproc_run(const struct ipam_inproc *p, const struct cni_request *req, const char *verb,
		    struct ipam_output *o, struct cni_err *err);
