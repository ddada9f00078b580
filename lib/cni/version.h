/* CNI spec versions this plugin speaks and how they compare. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#define CNI_VERSION_CURRENT "1.1.0"
#define CNI_VERSION_DEFAULT "0.1.0" /* what a missing or empty cniVersion means */
/* Shown in the "about" text when CNI_COMMAND is missing; `make` may set it. */
#ifndef CNI_PLUGIN_VERSION
#define CNI_PLUGIN_VERSION "v0.1.0"
#endif

/* NULL-terminated, oldest first. */
extern const char *const cni_supported_versions[];

/* Index into cni_supported_versions, or -1 when unsupported. NULL and ""
 * count as CNI_VERSION_DEFAULT. */
int cni_version_index(const char *v);
/* Semantic compare of "a.b.c" strings (NULL/"" = 0.1.0): <0, 0, >0.
 * Returns 0 and sets *ok=false when either is not a version string. */
int cni_version_cmp(const char *a, const char *b, bool *ok);
bool cni_version_ge(const char *v, const char *min);
/* The VERSION reply: {"cniVersion":"1.1.0","supportedVersions":[...]}\n */
void cni_version_print(FILE *out);
