/* /proc/sys/net knobs: not netlink, but the file follows the netns of the
 * thread that opens it, so call these on the thread that is in the wanted
 * netns (the main thread for the host, the netns_run worker for a
 * container). Interface names go into the path unchanged: /proc/sys shows
 * "eth0.100" as one directory (the dot-to-slash rewriting in Go's sysctl
 * helper is for the dotted sysctl(8) form only). Each thread keeps its
 * /proc/sys/net open from its first call (sysctl.c says why), so a thread
 * must not use these from two network namespaces: netns_run's workers and
 * the host thread each stay in one. */
#pragma once
#include <stddef.h>
#include "lib/cni/error.h"

/* path relative to /proc/sys/net, e.g. "ipv6/conf/%s/accept_ra". Reads the
 * first line into buf without the newline. */
int sysctl_read(const char *path, char *buf, size_t len, struct cni_err *err);
int sysctl_write(const char *path, const char *value, struct cni_err *err);
/* Per-interface knob: proto "ipv4"/"ipv6", e.g. ("ipv6", "eth0", "accept_dad"). */
int sysctl_iface_write(const char *proto, const char *ifname, const char *key, const char *value,
		       struct cni_err *err);
/* Writes value unless the file already holds it (forwarding is only
 * written when not already on, as the reference does). */
int sysctl_ensure(const char *path, const char *value, struct cni_err *err);
