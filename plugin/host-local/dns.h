/* ipam.resolvConf: a resolv.conf read into a result's dns object the way
 * the reference's parseResolvConf does. */
#pragma once
#include "lib/cni/error.h"
#include "lib/cni/result.h"

/* Limits: a resolv.conf is a few hundred bytes; anything far larger is a
 * mistake or an attack (an 8 MiB line, /dev/zero). */
#define HL_RESOLV_CONF_MAX (1 << 20)  /* 1 MiB, named so in the messages */
#define HL_RESOLV_LINE_MAX (64 << 10) /* 64 KiB */

/* The file must be a regular file of at most HL_RESOLV_CONF_MAX bytes with
 * lines of at most HL_RESOLV_LINE_MAX; FIFOs and devices are refused
 * without blocking. nameserver (first word), domain (first word; the last line wins), search
 * and options (all words, appended); lines starting with '#' or ';' and
 * lines with one word are skipped. Code 999 naming the file on failure. */
int hl_dns_load(const char *path, struct cni_dns *out, struct cni_err *err);
