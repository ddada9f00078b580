/* The on-disk lease store, byte-compatible with the reference host-local:
 *   <dataDir>/<network>/            mode 0755
 *       lock                        flock()ed around every change, 0750
 *       <ip>                        "<containerID>\r\n<ifname>", mode 0600
 *       last_reserved_ip.<set>      the last address reserved in a set
 *       .cni-bridge-index           our lease index (index.h)
 *       .cni-bridge-boot            leases of earlier boots (boot.h)
 * Leases are written under a temporary name and link()ed into place, so a
 * crash leaves either no lease or a complete one (reference bug #498).
 * Nothing inside the store is followed if it is a symlink: the network
 * directory and every file are opened relative to a directory fd with
 * O_NOFOLLOW. Runs on the calling thread, in the host netns; not
 * thread-safe (one store per request). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "lib/cni/error.h"
#include "lib/cni/ipnet.h"
#include "plugin/host-local/boot.h"
#include "plugin/host-local/index.h"

#define HL_DEFAULT_DATA_DIR "/var/lib/cni/networks"

struct hl_store {
	int dirfd;  /* the network's directory */
	int lockfd; /* <dir>/lock */
	bool locked;
	struct hl_index index; /* valid while locked */
	struct hl_boot boot;   /* valid while locked; marks index.v[].earlier_boot */
};

/* Creates <data_dir>/<network> as needed and opens it and its lock file.
 * network must be a CNI name (checked again here: it becomes a path
 * component). Errors: code 999 naming the path and errno; ELOOP is reported
 * as a refused symlink. */
int hl_store_open(struct hl_store *s, const char *data_dir, const char *network,
		  struct cni_err *err);
/* Whether <data_dir>/<network> exists, without creating anything (GC and
 * STATUS only read): 1 yes, 0 no (ENOENT anywhere on the path), -1 with
 * err (code 999 naming the path and errno) when it cannot be looked at or
 * is not a directory. A symlink counts as present; hl_store_open refuses it. */
int hl_store_exists(const char *data_dir, const char *network, struct cni_err *err);
/* Takes the lock and loads (or rebuilds) the lease index. */
int hl_store_lock(struct hl_store *s, struct cni_err *err);
/* hl_store_open, then hl_store_lock: how ADD, DEL, CHECK and GC start. On
 * a lock failure the store is closed again; on success the caller owns it
 * (hl_store_close). */
int hl_store_open_locked(struct hl_store *s, const char *data_dir, const char *network,
			 struct cni_err *err);
/* Writes the index back and drops the lock. Safe to call when not locked. */
void hl_store_unlock(struct hl_store *s);
/* Unlocks if needed and closes everything. */
void hl_store_close(struct hl_store *s);

/* Under the lock. Creates the lease file for ip atomically and records it
 * as the last reservation of set `set_idx`. Returns 1 when reserved, 0 when
 * the address is taken, -1 on error. */
int hl_store_reserve(struct hl_store *s, const char *id, const char *ifname,
		     const struct cni_ip *ip, int set_idx, struct cni_err *err);
/* Under the lock. True when a lease file exists (known to the index). */
bool hl_store_taken(const struct hl_store *s, const struct cni_ip *ip);
/* Under the lock. The address in last_reserved_ip.<set_idx>; false when
 * missing or unparsable (the reference then starts from the beginning). */
bool hl_store_last_reserved(struct hl_store *s, int set_idx, struct cni_ip *out);

/* Which leases count as (id, ifname)'s: the current format, the legacy
 * ID-only one, or either (the duplicate check). */
enum hl_match { HL_MATCH_CURRENT = 1, HL_MATCH_LEGACY = 2, HL_MATCH_ANY = 3 };
/* Under the lock. Calls fn for every lease held by (id, ifname); stops and
 * returns fn's value when it is non-zero. */
int hl_store_each_owned(const struct hl_store *s, const char *id, const char *ifname,
			enum hl_match m, int (*fn)(const struct hl_lease *l, void *arg), void *arg);
/* Under the lock. Deletes the leases of (id, ifname) with match m; returns
 * how many were deleted. Unremovable files are skipped (logged), as the
 * reference does. */
size_t hl_store_release(struct hl_store *s, const char *id, const char *ifname, enum hl_match m);
/* Under the lock. Deletes one lease (the rollback of a failed ADD). */
void hl_store_release_ip(struct hl_store *s, const struct cni_ip *ip);
/* Under the lock. Deletes the lease file name; false (logged) when it
 * cannot be removed. */
bool hl_store_unlink(struct hl_store *s, const char *name);
/* Under the lock. The lease file for ip when it is of an earlier boot
 * (boot.h), else NULL. */
struct hl_lease *hl_store_earlier(struct hl_store *s, const struct cni_ip *ip);
