/* cJSON with the Go decoder's habits that CNI users rely on:
 * keys match case-insensitively, the last duplicate wins, null means
 * "absent" (keep the default), a value of the wrong JSON type is an error
 * naming the key, and an integer field refuses 1500.0 or 1e3. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "lib/cni/error.h"

/* What json_parse() notes about each number literal, for the integer
 * getters: written with a fraction or an exponent (Go refuses 1500.0 for
 * an int), or an integer that does not fit in a long long. Kept beside
 * cJSON's own data (see json_number_flags), never in its type bits. */
#define JSON_NONINTEGER_LITERAL 1
#define JSON_INT_OUT_OF_RANGE 2
/* The flags of a number item that json_parse() made; 0 for other items.
 * They live beside cJSON's type, in the valueint of a flagged number
 * (a literal the integer getters refuse anyway), as a code that differs
 * from the int cJSON would keep there; unflagged numbers keep cJSON's
 * valueint, so valueint stays right for every number a getter accepts. */
int json_number_flags(const cJSON *item);

/* Largest stdin / IPAM output we accept (hostile-input guard). */
#define JSON_MAX_INPUT (4u << 20)

/* Parses len bytes (no NUL needed) as strictly as Go's encoding/json (RFC 8259
 * grammar, nothing after the value but whitespace). On failure: code 6,
 * "<what>: <Go's syntax error text> at offset N"; returns NULL. Nesting is
 * limited to 512 levels. A "\\u0000" in a string is refused (code 6): Go
 * takes it, but a C string would end there and "a\\u0000b" pass as "a".
 * Caller frees with cJSON_Delete. */
cJSON *json_parse(const char *text, size_t len, const char *what, struct cni_err *err);

/* Last case-insensitive match of key in obj that is not JSON null, or NULL.
 * Skipping nulls copies Go: decoding null into a plain field is a no-op, so
 * {"mtu":5,"mtu":null} leaves 5. obj may be NULL or a non-object. */
cJSON *json_get(const cJSON *obj, const char *key);

/* Typed getters: absent/null leaves *out untouched and returns 0; a value of
 * another type returns -1 with code 6, e.g.
 *   `"isGateway": expected a bool, got a string`.
 * Pointers returned are borrowed from the cJSON tree. */
int json_get_bool(const cJSON *obj, const char *key, bool *out, struct cni_err *err);
int json_get_int(const cJSON *obj, const char *key, long long *out, struct cni_err *err);
int json_get_string(const cJSON *obj, const char *key, const char **out, struct cni_err *err);
int json_get_object(const cJSON *obj, const char *key, const cJSON **out, struct cni_err *err);
int json_get_array(const cJSON *obj, const char *key, const cJSON **out, struct cni_err *err);
/* For items of an array: the same checks with `what` naming the item. */
int json_as_int(const cJSON *item, const char *what, long long *out, struct cni_err *err);
int json_as_string(const cJSON *item, const char *what, const char **out, struct cni_err *err);

/* Go's encoding/json MarshalIndent(v, "", "    ") form: 4-space indent,
 * `"key": value`, no trailing newline. Returns malloc'd text or NULL. */
char *json_print_go(const cJSON *item);
/* Compact form (no spaces), as Go's json.Marshal. */
char *json_print_compact(const cJSON *item);
