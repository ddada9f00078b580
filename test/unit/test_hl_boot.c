/* plugin/host-local boot.c, boot_query.c and the reboot paths of alloc.c:
 * which leases count as of an earlier boot, when ADD releases them, and
 * that a lease of this boot is never released. Boots are simulated by
 * pointing hl_boot_id_path at a file of our own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/host-local/alloc.h"
#include "plugin/host-local/boot.h"
#include "plugin/host-local/capacity.h"
#include "plugin/host-local/store.h"

struct fx {
	char dir[64], bootfile[96], store[96];
	struct hl_range r;
	struct hl_rangeset set;
};

static void boot(struct fx *f, const char *id)
{
	FILE *fp = fopen(f->bootfile, "w");
	assert_non_null(fp);
	fprintf(fp, "%s\n", id);
	fclose(fp);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct cni_err err = {0};
	snprintf(f->dir, sizeof(f->dir), "/tmp/hl-boot-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->bootfile, sizeof(f->bootfile), "%s/boot_id", f->dir);
	snprintf(f->store, sizeof(f->store), "%s/net", f->dir);
	hl_boot_id_path = f->bootfile;
	boot(f, "11111111-aaaa");
	/* 10.5.0.2 - 10.5.0.6: five addresses (.1 is the gateway) */
	assert_int_equal(cni_ipnet_parse("10.5.0.0/29", &f->r.subnet), 0);
	if (hl_range_canonicalize(&f->r, &err) < 0)
		return -1;
	f->set = (struct hl_rangeset){&f->r, 1};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	hl_boot_id_path = HL_BOOT_ID_PATH;
	free(f);
	return 0;
}

/* One ADD (no requested address unless want) in its own locked call, as
 * the plugin does; returns the address or the error text. */
static const char *add(struct fx *f, const char *id, const char *want)
{
	static char out[CNI_ERR_MSG_MAX];
	struct hl_store s;
	struct cni_err err = {0};
	struct cni_ipconf ip;
	struct cni_ip req;
	if (want)
		assert_int_equal(cni_ip_parse(want, &req), 0);
	assert_int_equal(hl_store_open_locked(&s, f->dir, "net", &err), 0);
	if (hl_alloc_get(&s, &f->set, 0, id, "eth0", want ? &req : NULL, &ip, &err) < 0)
		snprintf(out, sizeof(out), "%s", err.msg);
	else
		cni_ip_format(&ip.address.ip, out);
	hl_store_close(&s);
	return out;
}

static void del(struct fx *f, const char *id)
{
	struct hl_store s;
	struct cni_err err = {0};
	assert_int_equal(hl_store_open_locked(&s, f->dir, "net", &err), 0);
	hl_store_release(&s, id, "eth0", HL_MATCH_ANY);
	hl_store_close(&s);
}

/* The lease file's content, "" when there is none. */
static const char *owner_of(struct fx *f, const char *ip)
{
	static char buf[256];
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", f->store, ip);
	buf[0] = '\0';
	FILE *fp = fopen(path, "r");
	if (fp) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
		buf[n] = '\0';
		fclose(fp);
	}
	return buf;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct hl_boot_lease *)a)->name,
		      ((const struct hl_boot_lease *)b)->name);
}

/* The earlier-boot leases as the read-only query sees them, "a b c"
 * (sorted: the query lists them in readdir order). */
static const char *earlier(struct fx *f)
{
	static char buf[512];
	struct hl_boot_lease *v;
	size_t n;
	struct cni_err err = {0};
	assert_int_equal(hl_boot_earlier_leases(f->dir, "net", &v, &n, &err), 0);
	qsort(v, n, sizeof(*v), by_name);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
			 v[i].name);
	hl_boot_leases_free(v, n);
	return buf;
}

static struct hl_capacity capacity(struct fx *f)
{
	struct hl_store s;
	struct cni_err err = {0};
	assert_int_equal(hl_store_open_locked(&s, f->dir, "net", &err), 0);
	struct hl_capacity c = hl_capacity_of(&f->set, &s.index);
	hl_store_close(&s);
	return c;
}

static void fill_five(struct fx *f, const char *prefix)
{
	const char *want[] = {"10.5.0.2", "10.5.0.3", "10.5.0.4", "10.5.0.5", "10.5.0.6"};
	for (int i = 0; i < 5; i++) {
		char id[32];
		snprintf(id, sizeof(id), "%s%d", prefix, i + 1);
		assert_string_equal(add(f, id, NULL), want[i]);
	}
}

static void test_boot_id(void **state)
{
	struct fx *f = *state;
	char id[HL_BOOT_ID_MAX];
	struct cni_err err = {0};
	boot(f, "  0b5e-Cafe-12  ");
	assert_int_equal(hl_boot_id(id, &err), 0);
	assert_string_equal(id, "0b5e-Cafe-12");
	boot(f, "not a boot id");
	assert_int_equal(hl_boot_id(id, &err), -1);
	assert_non_null(strstr(err.msg, "not a boot id"));
	boot(f, "");
	assert_int_equal(hl_boot_id(id, &err), -1);
	hl_boot_id_path = "/nonexistent/boot_id";
	assert_int_equal(hl_boot_id(id, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/boot_id"));
	hl_boot_id_path = HL_BOOT_ID_PATH; /* the kernel's, on this machine */
	assert_int_equal(hl_boot_id(id, &err), 0);
	assert_int_equal(strlen(id), 36);
}

/* A full range of this boot's leases fails as the reference does; after a
 * reboot every ADD succeeds and takes the earlier boot's addresses; the
 * new leases are never released, and a full range of them fails again. */
static void test_full_range_after_reboot(void **state)
{
	struct fx *f = *state;
	fill_five(f, "a");
	assert_string_equal(add(f, "a6", NULL),
			    "no IP addresses available in range set: 10.5.0.1-10.5.0.6");
	assert_string_equal(earlier(f), "");
	boot(f, "22222222-bbbb");
	assert_string_equal(earlier(f), "10.5.0.2 10.5.0.3 10.5.0.4 10.5.0.5 10.5.0.6");
	struct hl_capacity c = capacity(f);
	assert_int_equal(c.leased, 0); /* STATUS: all free */
	assert_int_equal(c.earlier, 5);
	assert_int_equal(hl_capacity_free(&c), 5);
	/* round robin after .6 wraps to .2: all earlier, so the set is
	 * released and refilled */
	fill_five(f, "b");
	for (int i = 2; i <= 6; i++) {
		char ip[32], own[32];
		snprintf(ip, sizeof(ip), "10.5.0.%d", i);
		snprintf(own, sizeof(own), "b%d\r\neth0", i - 1);
		assert_string_equal(owner_of(f, ip), own);
	}
	assert_string_equal(earlier(f), "");
	assert_string_equal(add(f, "b6", NULL),
			    "no IP addresses available in range set: 10.5.0.1-10.5.0.6");
	assert_string_equal(owner_of(f, "10.5.0.2"), "b1\r\neth0");
	assert_int_equal(capacity(f).leased, 5);
}

/* Lazy: after a reboot a container restarted with its ID gets its old
 * address back (no release happened yet); the lease is of this boot from
 * then on. A second ADD of the same attachment is still a duplicate. */
static void test_same_id_gets_old_address(void **state)
{
	struct fx *f = *state;
	fill_five(f, "a");
	del(f, "a4");
	boot(f, "22222222-bbbb");
	assert_string_equal(earlier(f), "10.5.0.2 10.5.0.3 10.5.0.4 10.5.0.6");
	assert_string_equal(add(f, "a3", NULL), "10.5.0.4");
	assert_string_equal(earlier(f), "10.5.0.2 10.5.0.3 10.5.0.6");
	assert_string_equal(
	    add(f, "a3", NULL),
	    "10.5.0.4 has been allocated to a3, duplicate allocation is not allowed");
	assert_string_equal(add(f, "a2", NULL), "10.5.0.3");
	assert_string_equal(earlier(f), "10.5.0.2 10.5.0.6");
	/* .4 and .3 are now of this boot: filling the set releases .2, .6 only */
	assert_string_equal(add(f, "n1", NULL), "10.5.0.5");
	assert_string_equal(add(f, "n2", NULL), "10.5.0.6");
	assert_string_equal(add(f, "n3", NULL), "10.5.0.2");
	assert_string_equal(owner_of(f, "10.5.0.3"), "a2\r\neth0");
	assert_string_equal(owner_of(f, "10.5.0.4"), "a3\r\neth0");
	assert_string_equal(earlier(f), "");
	/* another reboot: everything is earlier again */
	boot(f, "33333333-cccc");
	assert_int_equal(capacity(f).earlier, 5);
}

/* A requested address held by an earlier boot's lease: the owner gets it
 * back, anybody else gets it after a release; held by this boot's lease it
 * stays unavailable. */
static void test_requested_address(void **state)
{
	struct fx *f = *state;
	assert_string_equal(add(f, "a1", "10.5.0.3"), "10.5.0.3");
	assert_string_equal(add(f, "a2", "10.5.0.4"), "10.5.0.4");
	boot(f, "22222222-bbbb");
	assert_string_equal(add(f, "a1", "10.5.0.3"), "10.5.0.3");
	assert_string_equal(add(f, "x", "10.5.0.4"), "10.5.0.4");
	assert_string_equal(owner_of(f, "10.5.0.4"), "x\r\neth0");
	assert_string_equal(earlier(f), "");
	assert_string_equal(
	    add(f, "y", "10.5.0.4"),
	    "requested IP address 10.5.0.4 is not available in range set 10.5.0.1-10.5.0.6");
	assert_string_equal(owner_of(f, "10.5.0.4"), "x\r\neth0");
}

/* No record (a store the reference kept until now): every lease is taken
 * to be of this boot, whatever the record says later. */
static void test_no_record_means_current(void **state)
{
	struct fx *f = *state;
	fill_five(f, "a");
	char path[160];
	snprintf(path, sizeof(path), "%s/" HL_BOOT_NAME, f->store);
	assert_int_equal(unlink(path), 0);
	boot(f, "22222222-bbbb");
	assert_string_equal(earlier(f), "");
	assert_string_equal(add(f, "b1", NULL),
			    "no IP addresses available in range set: 10.5.0.1-10.5.0.6");
	assert_string_equal(owner_of(f, "10.5.0.2"), "a1\r\neth0");
	/* a record we cannot read is the same as none */
	FILE *fp = fopen(path, "w");
	fprintf(fp, "garbage\r\n");
	fclose(fp);
	boot(f, "33333333-cccc");
	assert_string_equal(earlier(f), "");
	assert_string_equal(add(f, "b1", NULL),
			    "no IP addresses available in range set: 10.5.0.1-10.5.0.6");
	/* ... and rewritten, so the next reboot works */
	boot(f, "44444444-dddd");
	assert_string_equal(earlier(f), "10.5.0.2 10.5.0.3 10.5.0.4 10.5.0.5 10.5.0.6");
}

/* Writes a lease as the reference does (no index update, no record). */
static void foreign_lease(struct fx *f, const char *ip, const char *owner)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", f->store, ip);
	unlink(path);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(owner, fp);
	fclose(fp);
}

/* The reference between our calls: a lease it made after our last call of
 * the earlier boot, or made again for another container, is of this boot
 * as far as we can tell, and is never released. */
static void test_reference_in_between(void **state)
{
	struct fx *f = *state;
	assert_string_equal(add(f, "a1", NULL), "10.5.0.2");
	assert_string_equal(add(f, "a2", NULL), "10.5.0.3");
	boot(f, "22222222-bbbb");
	foreign_lease(f, "10.5.0.4", "r1\r\neth0"); /* new, by the reference */
	foreign_lease(f, "10.5.0.3", "r2\r\neth0"); /* a2's DEL + r2's ADD */
	assert_string_equal(earlier(f), "10.5.0.2");
	assert_string_equal(add(f, "b1", NULL), "10.5.0.5");
	assert_string_equal(add(f, "b2", NULL), "10.5.0.6");
	/* full: only a1's lease is released */
	assert_string_equal(add(f, "b3", NULL), "10.5.0.2");
	assert_string_equal(owner_of(f, "10.5.0.3"), "r2\r\neth0");
	assert_string_equal(owner_of(f, "10.5.0.4"), "r1\r\neth0");
	assert_string_equal(add(f, "b4", NULL),
			    "no IP addresses available in range set: 10.5.0.1-10.5.0.6");
	/* within this boot, an entry whose lease the reference made again
	 * for someone else no longer counts */
	boot(f, "33333333-cccc");
	assert_string_equal(add(f, "b1", NULL), "10.5.0.5"); /* handed back */
	foreign_lease(f, "10.5.0.6", "r3\r\neth0");
	assert_string_equal(earlier(f), "10.5.0.2 10.5.0.3 10.5.0.4");
}

/* The query creates nothing and changes nothing, even when a reboot is
 * pending; the record never holds '\r' (the reference's DEL walk compares
 * whole trimmed contents with "<id>\r\n<ifname>"). */
static void test_query_is_read_only(void **state)
{
	struct fx *f = *state;
	struct hl_boot_lease *v;
	size_t n;
	struct cni_err err = {0};
	assert_int_equal(hl_boot_earlier_leases(f->dir, "none", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(access(f->store, F_OK), -1);
	for (int i = 1; i <= 4; i++) { /* IDs with odd characters: escaped */
		char id[32];
		snprintf(id, sizeof(id), "a%%2F%d", i);
		assert_non_null(strstr(add(f, id, NULL), "10.5.0."));
	}
	boot(f, "22222222-bbbb");
	char cmd[256], before[4096] = "", after[4096] = "";
	snprintf(cmd, sizeof(cmd), "cd %s && ls -la --time-style=full-iso . && cat .cni-bridge-*",
		 f->store);
	FILE *p = popen(cmd, "r");
	assert_true(fread(before, 1, sizeof(before) - 1, p) > 0);
	pclose(p);
	assert_int_equal(hl_boot_earlier_leases(f->dir, "net", &v, &n, &err), 0);
	assert_int_equal(n, 4);
	qsort(v, n, sizeof(*v), by_name);
	assert_string_equal(v[0].name, "10.5.0.2");
	assert_string_equal(v[0].owner, "a%2F1\r\neth0");
	hl_boot_leases_free(v, n);
	p = popen(cmd, "r");
	assert_true(fread(after, 1, sizeof(after) - 1, p) > 0);
	pclose(p);
	assert_string_equal(before, after);
	assert_string_equal(add(f, "b1", NULL), "10.5.0.6"); /* writes the record */
	char path[160], rec[4096];
	snprintf(path, sizeof(path), "%s/" HL_BOOT_NAME, f->store);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	size_t len = fread(rec, 1, sizeof(rec) - 1, fp);
	fclose(fp);
	rec[len] = '\0';
	assert_null(strchr(rec, '\r'));
	assert_non_null(strstr(rec, "cni-bridge-boot 1 22222222-bbbb\n10.5.0."));
	assert_non_null(strstr(rec, " a%252F1%0D%0Aeth0\n"));
	assert_string_equal(earlier(f), "10.5.0.2 10.5.0.3 10.5.0.4 10.5.0.5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_boot_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_range_after_reboot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_id_gets_old_address, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_requested_address, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_record_means_current, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reference_in_between, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_query_is_read_only, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
