/* Leases that outlive a reboot. Network namespaces do not survive a reboot,
 * so a lease made in an earlier boot of this machine belongs to a container
 * that no longer exists; ADD may release such leases when it finds no room
 * (alloc.c). "Earlier boot" comes from the kernel's boot identity
 * (/proc/sys/kernel/random/boot_id), never from file times: the wall clock
 * steps at boot.
 *
 * The boot record <store>/.cni-bridge-boot (ours; the reference ignores it,
 * and its DEL walk never matches it: the file has no '\r' and a first line
 * with spaces, which no "<id>" or "<id>\r\n<ifname>" can equal):
 *
 *     cni-bridge-boot 1 <boot id that last wrote the record>\n
 *     <lease file name> <inode> <owner>\n      one per earlier-boot lease
 *
 * owner is the lease's trimmed content, %XX-escaped (everything but
 * [A-Za-z0-9._:-]). A lease counts as of an earlier boot only while its
 * name, inode number and content all still match an entry, so a lease made
 * again later (by us or by the reference) for another container is a new
 * one. The rule, applied under the store lock at every call:
 *  - no record (or one we cannot parse): every lease is taken to be of the
 *    current boot (the first call after switching from the reference);
 *    the record is written with this boot's id and no entry;
 *  - the record names this boot: its entries that still match are earlier
 *    boot leases, the rest are dropped;
 *  - it names another boot (a reboot since our last call): the leases that
 *    our lease index (index.h) listed at our last write, with the same
 *    inode and content, belong to an earlier boot; leases made since then
 *    by someone else (the reference, in either boot) are taken to be of
 *    the current boot, which is the safe side.
 * The record is replaced with rename() only when it changes, so a call
 * that finds nothing new costs one small read. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "lib/cni/error.h"
#include "plugin/host-local/index.h"

#define HL_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

/* Where this boot's id is read from. Production code never changes it;
 * test programs (test/unit, test/tools/hl_bootsim.c) point it at a file to
 * simulate boots. Deliberately not an environment variable: whatever a
 * runtime passes to the plugin must not decide which leases are released. */
extern const char *hl_boot_id_path;

struct hl_boot {
	bool enabled;		 /* this boot's id could be read */
	bool dirty;		 /* write the record at unlock */
	size_t marked;		 /* leases marked earlier_boot at load */
	char id[HL_BOOT_ID_MAX]; /* this boot's */
};

/* This boot's id from hl_boot_id_path (trimmed; hex digits and dashes). */
int hl_boot_id(char out[HL_BOOT_ID_MAX], struct cni_err *err);
/* Under the lock, after the index is loaded: sets earlier_boot on the
 * leases the rule above selects. When the boot id cannot be read, nothing
 * is marked and the record is left alone (logged). */
void hl_boot_load(struct hl_boot *b, struct hl_index *x, int dirfd);
/* Under the lock, before the index flush: rewrites the record when it must
 * change (new boot, first call, an entry gone or handed back). Returns true
 * when it changed the directory (the index must be re-stamped). */
bool hl_boot_flush(struct hl_boot *b, const struct hl_index *x, int dirfd);
/* The rule alone: marks x for boot id without touching any file. */
void hl_boot_mark(struct hl_index *x, int dirfd, const char *id);

/* Read-only, for operators (cni-bridge leaks): the leases of
 * <data_dir>/<network> (data_dir NULL: the default) that are from an
 * earlier boot, as the next call of the plugin would judge them, including
 * after a reboot that no call has seen yet. Takes the store lock shared;
 * creates, writes and removes nothing. A missing store or record gives 0
 * leases. *out is malloc()ed; free it with hl_boot_leases_free. */
struct hl_boot_lease {
	char *name;  /* the lease file, named after its address */
	char *owner; /* its trimmed content: "<id>\r\n<ifname>" (or "<id>") */
};
int hl_boot_earlier_leases(const char *data_dir, const char *network, struct hl_boot_lease **out,
			   size_t *n, struct cni_err *err);
void hl_boot_leases_free(struct hl_boot_lease *v, size_t n);
