/* The lease index: an in-memory table of every lease file in a store
 * directory (file name -> trimmed content), persisted as
 * <store>/.cni-bridge-index so that ADD, DEL and CHECK need not read every
 * lease file, which is what makes the reference slow with many leases.
 *
 * Coexistence with the reference host-local (which knows nothing of it):
 * every writer, ours and the reference, changes the store only while
 * holding <store>/lock, and it only ever creates and deletes lease files
 * (contents are written once, before the lock is dropped). The index is
 * trusted, under the lock, only when its header's stamp (the directory's
 * inode, size, mtime and ctime in ns, taken after our last change) still
 * matches the directory, and, unless the header says this boot's probe
 * (dirclock.h) found fine-grained timestamps, one readdir shows exactly
 * the indexed names, each with the inode number recorded. Two changes in
 * one clock tick can share a ctime (coarse timestamps: before Linux 6.13,
 * and tmpfs always, which the probe excludes after a CI run on 6.18 missed
 * 2 of 50 same-tick foreign changes there): on tmpfs inode numbers are not
 * reused soon, and on ext4 a reused inode must also fall in the same tick
 * as our stamp (both checks must miss together). Where the probe found
 * multigrain timestamps (ext4, xfs, btrfs on 6.13+), any change after our
 * stat gets a new ctime, so the stamp alone decides.
 * Otherwise it is rebuilt by a full rescan (the reference's cost, once).
 * The reference's DEL walk compares every file's trimmed content with
 * "<id>\r\n<ifname>" or "<id>"; the index starts with a header line of
 * spaces-separated words, which no container ID holds, so it never matches
 * (were it deleted, the next call would only rescan).
 *
 * File format (version 3): a 128-byte header line "cni-bridge-index 3 <ino>
 * <size> <mtime> <ctime> <clock>=<boot id> n=<records>" padded with spaces
 * (clock: fine or coarse; no word before the first probe; each word left
 * out when it does not fit; an older version takes a header of another
 * version for stale and rescans once), then records
 * "+<ino> <owner length> <name>\0<owner>\0\n" (lease added) and
 * "-<name>\0\n" (removed), name and owner as they are: a load maps the file
 * and points into it. `tr '\0' ' ' < .cni-bridge-index` shows it.
 * Records are appended before the header is rewritten, so a crash leaves a
 * stale header, which forces a rescan. Version 2 (text, %XX-escaped) is
 * still read by hl_index_load_file, for a reboot right after an upgrade.
 * Not thread-safe; use under the lock. */
#pragma once
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "lib/cni/error.h"
#include "lib/cni/ipnet.h"
#include "lib/util/strbuf.h"

#define HL_INDEX_NAME ".cni-bridge-index"
/* The boot record (boot.h); skipped like the index */
#define HL_BOOT_NAME ".cni-bridge-boot"
/* Prefix of our temporary files. All are made and removed under the lock,
 * so one seen by a lock holder is a crash remnant and is removed. */
#define HL_TMP_PREFIX ".tmp-"

/* Room for a boot id (boot.h), NUL included */
#define HL_BOOT_ID_MAX 64

/* What hl_dir_fine_grained (dirclock.h) found for the store directory in
 * this boot: unknown until probed. */
enum hl_clock { HL_CLOCK_UNKNOWN, HL_CLOCK_COARSE, HL_CLOCK_FINE };

struct hl_lease {
	const char *name;	      /* file name in the store */
	const char *owner;	      /* trimmed content; "" = unreadable, never matches */
	uint64_t ino;		      /* the file's inode number when indexed */
	uint32_t hash;		      /* of name, for the table */
	bool live;		      /* false once deleted (the slot stays for reuse) */
	bool earlier_boot;	      /* made in an earlier boot of this machine (boot.h) */
	bool name_owned, owner_owned; /* else borrowed from hl_index.file */
};

struct hl_index {
	struct hl_lease *v; /* all slots, live or not */
	uint32_t *chain;    /* per slot: next slot + 1 in its bucket, 0 = end */
	size_t n, cap, live;
	uint32_t *bucket; /* slot + 1, 0 = empty */
	size_t nbucket;
	const char *file;	      /* the loaded index; loaded entries point into it */
	size_t file_len;	      /* its length, for munmap */
	bool file_mapped;	      /* mapped (else malloc'd: hl_index_parse) */
	struct strbuf journal;	      /* records not yet in the file */
	size_t journal_records;	      /* how many */
	size_t file_records;	      /* records in the file, incl. '-' ones */
	bool rewrite;		      /* write a fresh file at flush */
	bool restamp;		      /* the directory changed otherwise (boot.h): re-stamp */
	enum hl_clock clock;	      /* the directory's timestamps, as probed in this boot */
	char boot_id[HL_BOOT_ID_MAX]; /* this boot's (boot.h); "" when unreadable */
};

/* Loads the index if its stamp matches st (the directory as it is now);
 * otherwise rescans the directory, removing stale temporary files. Returns
 * 0, or -1 with err (only I/O failures of the scan are errors). */
int hl_index_open(struct hl_index *x, int dirfd, struct cni_err *err);
/* Persists the changes made since open, then stamps the header with the
 * directory as it is now. Call as the last change before unlocking. A
 * failure only costs a rescan next time; it is returned for logging. */
int hl_index_flush(struct hl_index *x, int dirfd, struct cni_err *err);
void hl_index_free(struct hl_index *x);
/* The records of the index file as they are, into an empty x, without the
 * stamp and name checks: the leases as we last wrote them, whatever changed
 * since (boot.c uses it). A torn tail ends the load; what came before stays.
 * Returns 1 when a file was read, 0 when there is none usable. */
int hl_index_load_file(struct hl_index *x, int dirfd);
/* A directory stream over the store directory dirfd (which stays open and
 * the caller's); NULL with errno set on failure. Close with closedir. */
DIR *hl_dir_open(int dirfd);
/* The trimmed content of lease file name (the reference's reading of it),
 * "" when it is not a regular file or cannot be read; never follows a
 * symlink, never blocks on a FIFO. */
void hl_read_owner(int dirfd, const char *name, char *buf, size_t len);
#define HL_LEASE_MAX 4096 /* a larger file cannot hold "<id>\r\n<ifname>" */

/* The address a lease file is named after; false when the name is none
 * (such files still count for DEL and CHECK, as in the reference). */
bool hl_lease_ip(const struct hl_lease *l, struct cni_ip *ip);
const struct hl_lease *hl_index_get(const struct hl_index *x, const char *name);
/* The same, for setting a lease's flags (earlier_boot). */
struct hl_lease *hl_index_find(struct hl_index *x, const char *name);
/* Record a new lease / a removed one (journaled for flush). */
int hl_index_put(struct hl_index *x, const char *name, uint64_t ino, const char *owner,
		 struct cni_err *err);
void hl_index_del(struct hl_index *x, const char *name);

/* The record format alone, for the fuzzer and tests (no file, no stamp):
 * parses the len bytes of text (records only, malloc'd, taken over:
 * hl_index_free frees it) into an empty x; false when a record is
 * malformed or torn. */
bool hl_index_parse(struct hl_index *x, char *text, size_t len);
/* Version 2's records (index_v2.c) into x with hl_index_put and
 * hl_index_del; a malformed or torn record ends them. */
void hl_index_v2_records(struct hl_index *x, const char *p, size_t len);
/* The live leases of x as records, in a fresh *out (strbuf_free it).
 * 0, or -1 when out of memory. */
int hl_index_records(const struct hl_index *x, struct strbuf *out);

/* Strips ASCII whitespace at both ends in place, as Go's TrimSpace. */
char *hl_trim(char *s);
/* Decodes %XX in place (the boot record's escaping, and version 2 of the
 * index's); false on a malformed escape or an escaped NUL. */
bool hl_unescape(char *s);
