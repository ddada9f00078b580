/* libFuzzer harness for host-local's resolv.conf parser (plugin/host-local/
 * dns.c, linked from the fuzz build's libraries: make fuzz). The input is
 * the file's content, handed over as a memfd path since the parser opens a
 * path. Invariants: success gives words without whitespace or NUL (the
 * parser splits on whitespace, and a NUL would cut a word short silently),
 * a count for every list that matches its array, and a dns that frees
 * cleanly; failure always carries a code and names the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plugin/host-local/dns.h"

static void check_word(const char *w)
{
	if (!w || !*w)
		abort();
	for (const char *p = w; *p; p++)
		if (strchr(" \t\r\n\v\f", *p))
			abort();
}

static void check_list(char **v, size_t n)
{
	if (n && !v)
		abort();
	for (size_t i = 0; i < n; i++)
		check_word(v[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("resolv.conf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct cni_dns d;
	struct cni_err err = {0};
	if (hl_dns_load(path, &d, &err) == 0) {
		if (err.code)
			abort();
		check_list(d.nameservers, d.n_nameservers);
		check_list(d.search, d.n_search);
		check_list(d.options, d.n_options);
		if (d.domain)
			check_word(d.domain);
		cni_dns_free(&d);
	} else if (!err.code || !strstr(err.msg, path)) {
		abort();
	}
	close(fd);
	return 0;
}
