/* What the iptables backend's setup, teardown, check and GC share: the
 * reference's chain name and comment for an attachment, and one run of
 * iptables-restore or iptables-save (from the calling thread, via
 * ipt_exec.h). */
#pragma once
#include <stddef.h>
#include "lib/cni/error.h"
#include "lib/names/names.h"
#include "lib/util/strbuf.h"

struct ipt_names {
	char chain[MASQ_IPT_CHAIN_LEN + 1];
	char comment[1024]; /* Go-quoted, as iptables-save prints it */
};

/* chain: CNI-<hash>; comment: `name: "<net>" id: "<cid>"` (Go %q) quoted
 * for iptables-restore, which is also how iptables-save prints it. */
int ipt_names_for(const char *net, const char *cid, struct ipt_names *nm, struct cni_err *err);
const char *ipt_restore_tool(int family); /* iptables-restore / ip6tables-restore */
const char *ipt_save_tool(int family);
/* Runs `<restore> --noflush --wait` with batch on stdin. Returns 0; 1 when
 * the tool ran and refused the batch; -1 when it could not run. err is set
 * on 1 and -1. */
int ipt_restore(int family, const char *batch, struct cni_err *err);
/* `<save> -t nat`; *out is malloc'd. */
int ipt_save_nat(int family, char **out, struct cni_err *err);

/* Writes the iptables-restore lines that change save (the nat listing);
 * returns how many. */
typedef size_t ipt_nat_edit_fn(struct strbuf *b, const char *save, const void *arg);
/* A listing-driven edit of family's nat table (teardown, GC): lists it,
 * lets edit write lines between "*nat" and "COMMIT", and runs the batch
 * only when edit wrote any. 0 when done or nothing to do; else -1 with err. */
int ipt_nat_edit(int family, ipt_nat_edit_fn *edit, const void *arg, struct cni_err *err);
