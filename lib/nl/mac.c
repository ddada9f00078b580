/* MAC address text form. */
#include "lib/nl/nl.h"
#include <stdio.h>

char *nl_mac_format(const uint8_t *mac, unsigned len, char *buf)
{
	char *p = buf;

	buf[0] = '\0';
	for (unsigned i = 0; i < len && i < NL_MAC_LEN; i++)
		p += sprintf(p, i ? ":%02x" : "%02x", mac[i]);
	return buf;
}
