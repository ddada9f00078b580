/* ipam.resolvConf: a resolv.conf read into a result's dns object the way
 * the reference's parseResolvConf does. */
#pragma once
#include "lib/cni/error.h"
#include "lib/cni/result.h"

/* nameserver (first word), domain (first word; the last line wins), search
 * and options (all words, appended); lines starting with '#' or ';' and
 * lines with one word are skipped. Code 999 naming the file on failure. */
int hl_dns_load(const char *path, struct cni_dns *out, struct cni_err *err);
