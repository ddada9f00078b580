/* In-process IPAM: the build-id check and the cni_run call. */
#include "lib/ipam/inproc.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PHDRS 64
#define MAX_NOTE 4096

static const struct ipam_inproc *registered;

void ipam_inproc_register(const struct ipam_inproc *table)
{
	registered = table;
}

const struct ipam_inproc *ipam_inproc_registered(void)
{
	return registered;
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Walks one PT_NOTE segment's notes for NT_GNU_BUILD_ID. */
static int find_build_id(const unsigned char *note, size_t size, unsigned char *buf, size_t len)
{
	size_t off = 0;

	while (off + sizeof(Elf64_Nhdr) <= size) {
		Elf64_Nhdr nh;
		size_t name_off = off + sizeof(nh), desc_off;

		memcpy(&nh, note + off, sizeof(nh));
		desc_off = name_off + align4(nh.n_namesz);
		if (nh.n_namesz > size || nh.n_descsz > size || desc_off + nh.n_descsz > size)
			return -1;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp(note + name_off, "GNU", 4) == 0) {
			if (nh.n_descsz == 0 || nh.n_descsz > len)
				return -1;
			memcpy(buf, note + desc_off, nh.n_descsz);
			return (int)nh.n_descsz;
		}
		off = desc_off + align4(nh.n_descsz);
	}
	return -1;
}

int ipam_elf_build_id(const char *path, unsigned char *buf, size_t len)
{
	Elf64_Phdr ph[MAX_PHDRS];
	unsigned char note[MAX_NOTE];
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
		goto out;
	if (pread(fd, ph, eh.e_phnum * sizeof(ph[0]), eh.e_phoff) !=
	    (ssize_t)(eh.e_phnum * sizeof(ph[0])))
		goto out;
	for (int i = 0; i < eh.e_phnum && rc < 0; i++) {
		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz > sizeof(note))
			continue;
		if (pread(fd, note, ph[i].p_filesz, ph[i].p_offset) != (ssize_t)ph[i].p_filesz)
			continue;
		rc = find_build_id(note, ph[i].p_filesz, buf, len);
	}
out:
	close(fd);
	return rc;
}

const struct ipam_inproc *ipam_inproc_match(const struct ipam_inproc *table, const char *type,
					    const char *path)
{
	unsigned char id[64];
	int n = -2; /* not read yet: most lookups never need it */
	const char *off = getenv("CNI_IPAM_NO_INPROC");
	const char *timeout = getenv("CNI_IPAM_TIMEOUT_SECONDS");

	if (!table || (off && *off && strcmp(off, "0") != 0))
		return NULL;
	/* A timeout can only be enforced on a child (an in-process host-local
	 * blocked on a store lock that a stuck process holds would block us):
	 * whoever asks for one gets the exec. */
	if (timeout && *timeout)
		return NULL;
	for (const struct ipam_inproc *p = table; p->type; p++) {
		if (strcmp(p->type, type) != 0 || !p->build_id_len)
			continue;
		if (n == -2)
			n = ipam_elf_build_id(path, id, sizeof(id));
		if (n > 0 && (size_t)n == p->build_id_len && memcmp(id, p->build_id, n) == 0)
			return p;
	}
	return NULL;
}

int ipam_inproc_run(const struct ipam_inproc *p, const struct cni_request *req, const char *verb,
		    struct ipam_output *o, struct cni_err *err)
{
	struct cni_env env = req->env;
	size_t in_len = req->stdin_buf ? req->stdin_len : 0;
	FILE *in, *out;
	int rc;

	*o = (struct ipam_output){0};
	env.command = verb;
	/* fmemopen wants a buffer even for zero bytes */
	in = fmemopen(in_len ? (void *)req->stdin_buf : (void *)"", in_len, "r");
	out = in ? open_memstream(&o->out, &o->out_len) : NULL;
	if (!out) {
		if (in)
			fclose(in);
		return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "running %s in-process",
				     p->type);
	}
	rc = cni_run(p->plugin, &env, in, out, stderr);
	fclose(in);
	if (fclose(out) != 0 || !o->out) {
		free(o->out);
		*o = (struct ipam_output){.started = true};
		return cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "running %s in-process",
				     p->type);
	}
	o->status = W_EXITCODE(rc, 0);
	o->started = true;
	return 0;
}
