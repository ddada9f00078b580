/* Go's strconv.Quote (fmt's %q), the quoting the reference plugins put in
 * their chain comments and error messages; we print the same text. Pure
 * string function, no I/O. */
#pragma once
#include <stddef.h>

/* Appends the n bytes at s, double-quoted and escaped as Go writes them
 * (\a \b \f \n \r \t \v \" \\, \xNN for the other control bytes and NUL;
 * bytes >= 0x80 are copied, taking the text as valid UTF-8), to out at
 * *pos. out (size bytes, size >= 3) stays NUL-terminated. Returns 0, or -1
 * when it did not fit: then out holds the escapes that fit and the closing
 * quote, so a message is cut short but still well formed. */
int go_quote_n(const char *s, size_t n, char *out, size_t size, size_t *pos);
/* go_quote_n of the NUL-terminated string s. */
int go_quote(const char *s, char *out, size_t size, size_t *pos);
