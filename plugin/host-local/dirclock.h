/* Whether the store directory's change time tells every change apart, so
 * that the lease index's stamp alone proves nobody changed the directory
 * (index.h). True of filesystems with multigrain timestamps (Linux >= 6.13:
 * ext4, xfs, btrfs): a change that follows a stat() of the inode always
 * gets a new ctime. Not tmpfs, although it has them: it sets a
 * directory's times from the entry made or removed, which nobody stat'ed. Older kernels stamp
 * changes with the coarse clock, so two changes within one tick (1-10 ms) share a ctime. */
#pragma once
#include <stdbool.h>

/* Probes dirfd by experiment, under the store lock: it makes and removes a
 * file named HL_TMP_PREFIX "clock-<pid>" twice and compares the directory's
 * ctime after each. True only when both changes fell within one tick of the
 * kernel's coarse clock and still got different ctimes, on a local
 * filesystem known to support multigrain timestamps (a network filesystem's
 * attributes may come from a cache). Any failure answers false. The answer
 * holds for this directory until the machine reboots (the kernel may
 * change); index.c records it with the boot id. */
bool hl_dir_fine_grained(int dirfd);
