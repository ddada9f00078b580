/* Name rules for container IDs, interface names and network names, with the
 * reference's messages (pkg/utils in containernetworking/cni). */
#include "lib/cni/skel.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */

/* ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ */
static bool matches_id_regex(const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return s[0] != '\0';
}

int cni_validate_container_id(const char *id, struct cni_err *err)
{
	if (!id || !*id)
		return cni_err_set(err, CNI_ERR_ENV, "missing containerID");
	if (!matches_id_regex(id)) {
		cni_err_set(err, CNI_ERR_ENV, "invalid characters in containerID");
		return cni_err_details(err, "%s", id);
	}
	return 0;
}

int cni_validate_name(const char *name, struct cni_err *err)
{
	if (!name || !*name)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "missing network name");
	if (!matches_id_regex(name)) {
		cni_err_set(err, CNI_ERR_INVALID_CONFIG,
			    "invalid characters found in network name");
		return cni_err_details(err, "%s", name);
	}
	return 0;
}

/* Decodes one UTF-8 sequence; invalid input yields U+FFFD and length 1,
 * as Go's bytes.Runes does. */
static uint32_t next_rune(const unsigned char *s, size_t *len)
{
	unsigned char c = s[0];
	size_t n = c < 0x80		? 1
		   : (c & 0xE0) == 0xC0 ? 2
		   : (c & 0xF0) == 0xE0 ? 3
		   : (c & 0xF8) == 0xF0 ? 4
					: 0;
	*len = 1;
	if (n <= 1)
		return n == 1 ? c : 0xFFFD;
	uint32_t v = c & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0xFFFD;
		v = v << 6 | (s[i] & 0x3F);
	}
	*len = n;
	return v;
}

/* Go's unicode.IsSpace. */
static bool is_space(uint32_t r)
{
	switch (r) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xA0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202F:
	case 0x205F:
	case 0x3000:
		return true;
	default:
		return r >= 0x2000 && r <= 0x200A;
	}
}

int cni_validate_ifname(const char *ifname, struct cni_err *err)
{
	if (!ifname || !*ifname)
		return cni_err_set(err, CNI_ERR_ENV, "interface name is empty");
	if (strlen(ifname) > IFNAME_MAX) {
		cni_err_set(err, CNI_ERR_ENV, "interface name is too long");
		return cni_err_details(err, "interface name should be less than %d characters",
				       IFNAME_MAX + 1);
	}
	if (strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0)
		return cni_err_set(err, CNI_ERR_ENV, "interface name is . or ..");
	const unsigned char *p = (const unsigned char *)ifname;
	while (*p) {
		size_t n;
		uint32_t r = next_rune(p, &n);
		if (r == '/' || r == ':' || is_space(r))
			return cni_err_set(
			    err, CNI_ERR_ENV,
			    "interface name contains / or : or whitespace characters");
		/* Go lets these through and the kernel takes them, but such a
		 * name breaks every tool that prints it: refuse it up front. */
		if (r < 0x20 || r == 0x7f) {
			cni_err_set(err, CNI_ERR_ENV, "interface name contains control characters");
			return cni_err_details(err, "CNI_IFNAME byte %zu is 0x%02x",
					       (size_t)(p - (const unsigned char *)ifname),
					       (unsigned)r);
		}
		p += n;
	}
	return 0;
}
