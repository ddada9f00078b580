/* GC of macspoofchk objects (spoofchk.h). Their names and comments carry
 * "<cid>-<ifname>" but no network name, so which ones are garbage is the
 * caller's decision: it sees each attachment's reference id and the host
 * veth its PREROUTING rule matches, and says keep or remove. Runs in the
 * calling thread's netns (the host). */
#pragma once
#include <stdbool.h>
#include "lib/cni/error.h"

/* refid: "<cid>-<ifname>" (the comment after "macspoofchk-"); iifname: the
 * host veth the rule matches ("" when the rule has no iifname match). */
typedef bool (*spoofchk_keep_fn)(const char *refid, const char *iifname, void *arg);

/* Lists bridge nat PREROUTING once; for every refid that keep() refuses,
 * deletes its PREROUTING rules and both of its chains in one transaction.
 * *removed (may be NULL) gets the number of attachments removed. A missing
 * table is success (nothing to do). */
int spoofchk_gc(spoofchk_keep_fn keep, void *arg, size_t *removed, struct cni_err *err);
