/* Reading `iptables-save -t nat` output and writing the iptables-restore
 * lines that undo parts of it. Pure text functions (no process, no kernel),
 * shared by setup, teardown, check and GC. save is the whole output,
 * NUL-terminated. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "lib/cni/ipnet.h"
#include "lib/util/strbuf.h"

/* Whether save declares the chain (":<chain> - [0:0]"). */
bool ipt_save_has_chain(const char *save, const char *chain);
/* Whether save holds "-A POSTROUTING -s <ip>/<bits> ... -j <chain>". */
bool ipt_save_has_jump(const char *save, const char *chain, const struct cni_ip *src);
/* Writes "-D POSTROUTING ..." for every POSTROUTING rule whose target is
 * chain (whatever its source form: the reference wrote "-s ip" and, in old
 * versions, "-s ip/prefix"). Returns how many. */
size_t ipt_save_write_jump_deletes(struct strbuf *b, const char *save, const char *chain);
/* For GC: every POSTROUTING rule whose comment starts with comment_prefix
 * (as iptables-save quotes it) and whose target is a CNI- chain not listed
 * in keep[] is deleted, and its chain flushed and deleted. Returns how many
 * lines were written. */
size_t ipt_save_write_gc(struct strbuf *b, const char *save, const char *comment_prefix,
			 const char *const *keep, size_t n_keep);
/* For `cni-bridge show` and `leaks`: calls fn for every "-A <chain> ..."
 * line whose comment starts with comment_prefix (one network's, as for
 * ipt_save_write_gc). chain is the CNI- chain the line belongs to: the
 * line's own chain (the ACCEPT and MASQUERADE rules) or, on a POSTROUTING
 * line, its "-j CNI-..." target; cid is the container ID read from the
 * comment's `id: \"<cid>\"` (NUL-terminated, at most 255 bytes). Lines of
 * other chains, or whose id cannot be read, are skipped. Returns how many
 * lines were passed to fn. */
typedef void ipt_owned_fn(const char *chain, const char *cid, void *arg);
size_t ipt_save_each_owned(const char *save, const char *comment_prefix, ipt_owned_fn *fn,
			   void *arg);
