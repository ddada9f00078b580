/* SHA-512 (FIPS 180-4), only for naming: the reference derives its iptables
 * chain names and nftables comment hashes from sha512 hex digests, so we
 * must produce the same hex strings. Self-contained rather than pulling in
 * libcrypto or nettle, a new runtime dependency for ~100 lines. Not meant
 * for anything secret (no constant-time care, no state wiping). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define SHA512_DIGEST_LEN 64
#define SHA512_HEX_LEN (2 * SHA512_DIGEST_LEN)

void sha512(const void *data, size_t len, uint8_t out[SHA512_DIGEST_LEN]);
/* Lowercase hex of sha512(s), first n characters (n <= 128), NUL-terminated:
 * Go's fmt.Sprintf("%x", sha512.Sum512(s))[:n]. out holds n + 1 bytes. */
void sha512_hex_prefix(const char *s, size_t n, char *out);
