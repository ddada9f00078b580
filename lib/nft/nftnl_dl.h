/* libnftnl, loaded on first use instead of at start-up: only an ADD or DEL
 * with nftables masquerade or macspoofchk needs it, and every shared
 * library costs each exec of the plugin its mapping and relocations (about
 * 0.2-0.3 ms and 200 KB of RSS here, issue 14). Every file of lib/nft includes
 * this header instead of <libnftnl/...>: the nftnl_* calls below it go
 * through a table filled by dlopen + dlsym. nft_open and nft_rule_new call
 * nftnl_dl_load first, so a missing library is a CNI error naming it; a
 * call through the table before that loads the library itself (and
 * aborts with a message when it cannot: a bug, not a user error). */
#pragma once
#include <stdbool.h>
#include <sys/uio.h> /* batch.h names struct iovec without it */
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include "lib/cni/error.h"

/* The soname of Debian 12's libnftnl11 (the ABI the headers describe). */
#define NFTNL_SONAME "libnftnl.so.11"

#define NFTNL_DL_FUNCS(X)                                                                          \
	X(nftnl_batch_alloc)                                                                       \
	X(nftnl_batch_begin)                                                                       \
	X(nftnl_batch_buffer)                                                                      \
	X(nftnl_batch_end)                                                                         \
	X(nftnl_batch_free)                                                                        \
	X(nftnl_batch_iovec)                                                                       \
	X(nftnl_batch_iovec_len)                                                                   \
	X(nftnl_batch_update)                                                                      \
	X(nftnl_chain_alloc)                                                                       \
	X(nftnl_chain_free)                                                                        \
	X(nftnl_chain_nlmsg_build_payload)                                                         \
	X(nftnl_chain_set_data)                                                                    \
	X(nftnl_chain_set_s32)                                                                     \
	X(nftnl_chain_set_str)                                                                     \
	X(nftnl_chain_set_u32)                                                                     \
	X(nftnl_expr_alloc)                                                                        \
	X(nftnl_expr_get)                                                                          \
	X(nftnl_expr_get_str)                                                                      \
	X(nftnl_expr_get_u32)                                                                      \
	X(nftnl_expr_is_set)                                                                       \
	X(nftnl_expr_iter_create)                                                                  \
	X(nftnl_expr_iter_destroy)                                                                 \
	X(nftnl_expr_iter_next)                                                                    \
	X(nftnl_expr_set)                                                                          \
	X(nftnl_expr_set_str)                                                                      \
	X(nftnl_expr_set_u32)                                                                      \
	X(nftnl_nlmsg_build_hdr)                                                                   \
	X(nftnl_rule_add_expr)                                                                     \
	X(nftnl_rule_alloc)                                                                        \
	X(nftnl_rule_free)                                                                         \
	X(nftnl_rule_get_data)                                                                     \
	X(nftnl_rule_get_str)                                                                      \
	X(nftnl_rule_get_u32)                                                                      \
	X(nftnl_rule_get_u64)                                                                      \
	X(nftnl_rule_is_set)                                                                       \
	X(nftnl_rule_nlmsg_build_payload)                                                          \
	X(nftnl_rule_nlmsg_parse)                                                                  \
	X(nftnl_rule_set_data)                                                                     \
	X(nftnl_rule_set_str)                                                                      \
	X(nftnl_rule_set_u32)                                                                      \
	X(nftnl_rule_set_u64)                                                                      \
	X(nftnl_table_alloc)                                                                       \
	X(nftnl_table_free)                                                                        \
	X(nftnl_table_nlmsg_build_payload)                                                         \
	X(nftnl_table_set_data)                                                                    \
	X(nftnl_table_set_str)                                                                     \
	X(nftnl_udata_buf_alloc)                                                                   \
	X(nftnl_udata_buf_data)                                                                    \
	X(nftnl_udata_buf_free)                                                                    \
	X(nftnl_udata_buf_len)                                                                     \
	X(nftnl_udata_get)                                                                         \
	X(nftnl_udata_len)                                                                         \
	X(nftnl_udata_parse)                                                                       \
	X(nftnl_udata_put_strz)                                                                    \
	X(nftnl_udata_type)

struct nftnl_dl {
#define NFTNL_DL_PTR(f) __typeof__(f) *p_##f;
	NFTNL_DL_FUNCS(NFTNL_DL_PTR)
#undef NFTNL_DL_PTR
};
extern struct nftnl_dl nftnl_dl_table;
extern bool nftnl_dl_ready;

/* Loads the library once; 0, or -1 with err naming it and what to do. */
int nftnl_dl_load(struct cni_err *err);
/* The table, loaded if need be (aborts when it cannot be). */
const struct nftnl_dl *nftnl_dl_get(void);

#define NFTNL_DL(f) (nftnl_dl_ready ? nftnl_dl_table.p_##f : nftnl_dl_get()->p_##f)
#define nftnl_batch_alloc (*NFTNL_DL(nftnl_batch_alloc))
#define nftnl_batch_begin (*NFTNL_DL(nftnl_batch_begin))
#define nftnl_batch_buffer (*NFTNL_DL(nftnl_batch_buffer))
#define nftnl_batch_end (*NFTNL_DL(nftnl_batch_end))
#define nftnl_batch_free (*NFTNL_DL(nftnl_batch_free))
#define nftnl_batch_iovec (*NFTNL_DL(nftnl_batch_iovec))
#define nftnl_batch_iovec_len (*NFTNL_DL(nftnl_batch_iovec_len))
#define nftnl_batch_update (*NFTNL_DL(nftnl_batch_update))
#define nftnl_chain_alloc (*NFTNL_DL(nftnl_chain_alloc))
#define nftnl_chain_free (*NFTNL_DL(nftnl_chain_free))
#define nftnl_chain_nlmsg_build_payload (*NFTNL_DL(nftnl_chain_nlmsg_build_payload))
#define nftnl_chain_set_data (*NFTNL_DL(nftnl_chain_set_data))
#define nftnl_chain_set_s32 (*NFTNL_DL(nftnl_chain_set_s32))
#define nftnl_chain_set_str (*NFTNL_DL(nftnl_chain_set_str))
#define nftnl_chain_set_u32 (*NFTNL_DL(nftnl_chain_set_u32))
#define nftnl_expr_alloc (*NFTNL_DL(nftnl_expr_alloc))
#define nftnl_expr_get (*NFTNL_DL(nftnl_expr_get))
#define nftnl_expr_get_str (*NFTNL_DL(nftnl_expr_get_str))
#define nftnl_expr_get_u32 (*NFTNL_DL(nftnl_expr_get_u32))
#define nftnl_expr_is_set (*NFTNL_DL(nftnl_expr_is_set))
#define nftnl_expr_iter_create (*NFTNL_DL(nftnl_expr_iter_create))
#define nftnl_expr_iter_destroy (*NFTNL_DL(nftnl_expr_iter_destroy))
#define nftnl_expr_iter_next (*NFTNL_DL(nftnl_expr_iter_next))
#define nftnl_expr_set (*NFTNL_DL(nftnl_expr_set))
#define nftnl_expr_set_str (*NFTNL_DL(nftnl_expr_set_str))
#define nftnl_expr_set_u32 (*NFTNL_DL(nftnl_expr_set_u32))
#define nftnl_nlmsg_build_hdr (*NFTNL_DL(nftnl_nlmsg_build_hdr))
#define nftnl_rule_add_expr (*NFTNL_DL(nftnl_rule_add_expr))
#define nftnl_rule_alloc (*NFTNL_DL(nftnl_rule_alloc))
#define nftnl_rule_free (*NFTNL_DL(nftnl_rule_free))
#define nftnl_rule_get_data (*NFTNL_DL(nftnl_rule_get_data))
#define nftnl_rule_get_str (*NFTNL_DL(nftnl_rule_get_str))
#define nftnl_rule_get_u32 (*NFTNL_DL(nftnl_rule_get_u32))
#define nftnl_rule_get_u64 (*NFTNL_DL(nftnl_rule_get_u64))
#define nftnl_rule_is_set (*NFTNL_DL(nftnl_rule_is_set))
#define nftnl_rule_nlmsg_build_payload (*NFTNL_DL(nftnl_rule_nlmsg_build_payload))
#define nftnl_rule_nlmsg_parse (*NFTNL_DL(nftnl_rule_nlmsg_parse))
#define nftnl_rule_set_data (*NFTNL_DL(nftnl_rule_set_data))
#define nftnl_rule_set_str (*NFTNL_DL(nftnl_rule_set_str))
#define nftnl_rule_set_u32 (*NFTNL_DL(nftnl_rule_set_u32))
#define nftnl_rule_set_u64 (*NFTNL_DL(nftnl_rule_set_u64))
#define nftnl_table_alloc (*NFTNL_DL(nftnl_table_alloc))
#define nftnl_table_free (*NFTNL_DL(nftnl_table_free))
#define nftnl_table_nlmsg_build_payload (*NFTNL_DL(nftnl_table_nlmsg_build_payload))
#define nftnl_table_set_data (*NFTNL_DL(nftnl_table_set_data))
#define nftnl_table_set_str (*NFTNL_DL(nftnl_table_set_str))
#define nftnl_udata_buf_alloc (*NFTNL_DL(nftnl_udata_buf_alloc))
#define nftnl_udata_buf_data (*NFTNL_DL(nftnl_udata_buf_data))
#define nftnl_udata_buf_free (*NFTNL_DL(nftnl_udata_buf_free))
#define nftnl_udata_buf_len (*NFTNL_DL(nftnl_udata_buf_len))
#define nftnl_udata_get (*NFTNL_DL(nftnl_udata_get))
#define nftnl_udata_len (*NFTNL_DL(nftnl_udata_len))
#define nftnl_udata_parse (*NFTNL_DL(nftnl_udata_parse))
#define nftnl_udata_put_strz (*NFTNL_DL(nftnl_udata_put_strz))
#define nftnl_udata_type (*NFTNL_DL(nftnl_udata_type))
