/* The table of lib/nft/nftnl_dl.h, filled on first use. The plugins run
 * single-threaded here (workers inside a netns never touch nftables), so
 * there is no lock. */
#include "lib/nft/nftnl_dl.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nftnl_dl nftnl_dl_table;
bool nftnl_dl_ready;

/* dlsym into the table: false (err set) when a function is missing. */
static bool fill_table(void *lib, struct cni_err *err)
{
#define NFTNL_DL_SYM(f)                                                                            \
	if (!(*(void **)&nftnl_dl_table.p_##f = dlsym(lib, #f))) {                                 \
		cni_err_set(err, CNI_ERR_INTERNAL,                                                 \
			    "%s has no %s: not the libnftnl this build expects", NFTNL_SONAME,     \
			    #f);                                                                   \
		return false;                                                                      \
	}
	NFTNL_DL_FUNCS(NFTNL_DL_SYM)
#undef NFTNL_DL_SYM
	return true;
}

/* The library stays loaded until exit once the table points into it. */
int nftnl_dl_load(struct cni_err *err)
{
	void *lib;

	if (nftnl_dl_ready)
		return 0;
	lib = dlopen(NFTNL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return cni_err_set(
		    err, CNI_ERR_INTERNAL,
		    "nftables support needs %s, which cannot be loaded (%s): install "
		    "Debian's libnftnl11, or set ipMasqBackend to iptables",
		    NFTNL_SONAME, dlerror());
	if (!fill_table(lib, err)) {
		memset(&nftnl_dl_table, 0, sizeof(nftnl_dl_table));
		dlclose(lib);
		return -1;
	}
	nftnl_dl_ready = true;
	return 0;
}

const struct nftnl_dl *nftnl_dl_get(void)
{
	struct cni_err err = {0};

	if (nftnl_dl_load(&err) < 0) {
		fprintf(stderr, "cni-bridge: %s\n", err.msg);
		abort();
	}
	return &nftnl_dl_table;
}
