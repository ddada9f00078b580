/* The table of lib/nft/nftnl_dl.h, filled on first use. The plugins run
 * single-threaded here (workers inside a netns never touch nftables), so
 * there is no lock. */
#include "lib/nft/nftnl_dl.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

struct nftnl_dl nftnl_dl_table;
bool nftnl_dl_ready;

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
		/* The library stays loaded until exit: its functions are in the table. */
#define NFTNL_DL_SYM(f)                                                                            \
	if (!(*(void **)&nftnl_dl_table.p_##f = dlsym(lib, #f)))                                   \
		return cni_err_set(err, CNI_ERR_INTERNAL,                                          \
				   "%s has no %s: not the libnftnl "                               \
				   "this build expects",                                           \
				   NFTNL_SONAME, #f);
	NFTNL_DL_FUNCS(NFTNL_DL_SYM)
#undef NFTNL_DL_SYM
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
