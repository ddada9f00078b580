/* Runs one delegated plugin: fork + exec through lib/util/spawn.h (exec
 * errors reported back, the child dies with us), pipes for stdin, stdout
 * and stderr, a pidfd so that the poll loop also sees the child's exit and
 * the timeout covers every phase. */
#include "lib/ipam/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cni/json.h"
#include "lib/util/cleanup.h"
#include "lib/util/clock.h"
#include "lib/util/spawn.h"
#include "lib/util/strbuf.h"

extern char **environ;

struct io_state {
	int in_fd, out_fd, err_fd, pid_fd; /* our ends; -1 once closed */
	const char *in_buf;
	size_t in_left;
	struct ipam_output *o;
	struct strbuf out; /* stdout; handed to o->out at the end */
	bool exited;	   /* the pidfd said so (or there is no pidfd) */
	bool got_epipe;
};

unsigned ipam_timeout_from_env(void)
{
	const char *v = getenv("CNI_IPAM_TIMEOUT_SECONDS");
	char *end;
	unsigned long n;

	if (!v || !*v)
		return IPAM_TIMEOUT_DEFAULT_S;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n == 0 || n > 24 * 3600)
		return IPAM_TIMEOUT_DEFAULT_S;
	return (unsigned)n;
}

/* Our environment with every CNI_COMMAND replaced by one cmd_var, as Go's
 * DelegateArgs.AsEnv. The strings are borrowed; free only the array. */
static char **child_env(char *cmd_var)
{
	size_t n = 0, k = 0;
	char **envp;

	for (char **e = environ; e && *e; e++)
		n++;
	envp = malloc((n + 2) * sizeof(*envp));
	if (!envp)
		return NULL;
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "CNI_COMMAND=", 12) != 0)
			envp[k++] = *e;
	envp[k++] = cmd_var;
	envp[k] = NULL;
	return envp;
}

/* ETXTBSY: the binary is still open for writing (being installed); Go
 * retries 5 more times, 1 s apart, and so do we. */
static int start_child(const struct ipam_spawn_req *rq, char **envp, const int fds[3], pid_t *pid,
		       struct cni_err *err)
{
	int rc;

	char *argv[] = {(char *)rq->path, NULL};
	const struct spawn_req sr = {
	    .path = rq->path, .argv = argv, .envp = envp, .fds = {fds[0], fds[1], fds[2]}};

	for (int attempt = 0;; attempt++) {
		rc = spawn_child(&sr, pid);
		if (rc != ETXTBSY || attempt == IPAM_TXTBSY_RETRIES)
			break;
		sleep(1);
	}
	if (rc == 0)
		return 0;
	if (rc == ETXTBSY)
		return cni_err_errno(
		    err, CNI_ERR_TRY_AGAIN, rc,
		    "netplugin failed with no error message: fork/exec %s (%d attempts)", rq->path,
		    IPAM_TXTBSY_RETRIES + 1);
	return cni_err_errno(err, CNI_ERR_INTERNAL, rc,
			     "netplugin failed with no error message: fork/exec %s", rq->path);
}

static void write_stdin(struct io_state *s)
{
	while (s->in_left > 0) {
		ssize_t n = write(s->in_fd, s->in_buf, s->in_left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			/* EPIPE: the child exited or closed stdin without reading
			 * it all; like Go, not an error of ours. */
			s->got_epipe = errno == EPIPE;
			break;
		}
		s->in_buf += n;
		s->in_left -= n;
	}
	util_close(&s->in_fd); /* EOF for the child */
}

/* Room for the next read of stdout, which may not reach JSON_MAX_INPUT. */
static int grow_out(struct io_state *s, struct cni_err *err)
{
	size_t want = s->out.max - s->out.len;

	if (want > 4096)
		want = 4096;
	if (want > 0 && strbuf_reserve(&s->out, want) == 0)
		return 0;
	if (want == 0 || s->out.too_big)
		return cni_err_set(err, CNI_ERR_INTERNAL,
				   "netplugin wrote more than %u bytes to stdout", JSON_MAX_INPUT);
	return cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "reading netplugin output");
}

/* Reads what is there now. Returns 1 at EOF, 0 when it would block, -1 with
 * err set when stdout is too big. */
static int drain_stdout(struct io_state *s, struct cni_err *err)
{
	for (;;) {
		ssize_t n;

		if (s->out.len + 1 >= s->out.cap && grow_out(s, err) != 0)
			return -1;
		n = read(s->out_fd, s->out.p + s->out.len, s->out.cap - 1 - s->out.len);
		if (n > 0) {
			s->out.len += n;
			s->out.p[s->out.len] = '\0';
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN ? 0 : 1;
	}
}

static int drain_stderr(struct io_state *s)
{
	char scratch[4096];

	if (!s->o->errtext && !(s->o->errtext = malloc(IPAM_STDERR_MAX + 1)))
		return 1;
	for (;;) {
		size_t room = IPAM_STDERR_MAX - s->o->err_len;
		char *dst = room ? s->o->errtext + s->o->err_len : scratch;
		ssize_t n = read(s->err_fd, dst, room ? room : sizeof(scratch));

		if (n > 0) {
			if (room)
				s->o->err_len += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN ? 0 : 1;
	}
}

static int drain_all(struct io_state *s, bool closing, struct cni_err *err)
{
	if (s->out_fd >= 0) {
		int rc = drain_stdout(s, err);

		if (rc < 0)
			return -1;
		if (rc > 0 || closing)
			util_close(&s->out_fd);
	}
	if (s->err_fd >= 0 && (drain_stderr(s) > 0 || closing))
		util_close(&s->err_fd);
	return 0;
}

/* Feeds stdin and collects stdout/stderr until the child has exited and
 * said all it had to say, or the deadline passes. Once the child is gone
 * we take what is in the pipes and stop, rather than wait for an EOF that a
 * grandchild holding the pipe could delay forever. */
static int pump(struct io_state *s, const struct ipam_spawn_req *rq, struct cni_err *err)
{
	int64_t deadline = util_now_ms() + (int64_t)rq->timeout_s * 1000;

	while (s->out_fd >= 0 || s->err_fd >= 0 || !s->exited) {
		struct pollfd pfd[4];
		int n = 0, i_in = -1, i_pid = -1, rc;
		int64_t left = deadline - util_now_ms();

		if (left <= 0)
			return cni_err_set(err, CNI_ERR_TRY_AGAIN,
					   "IPAM plugin \"%s\" (%s) did not finish within %u s "
					   "(CNI_IPAM_TIMEOUT_SECONDS); killed it",
					   rq->path, rq->verb, rq->timeout_s);
		if (s->in_fd >= 0) {
			i_in = n;
			pfd[n++] = (struct pollfd){.fd = s->in_fd, .events = POLLOUT};
		}
		pfd[n++] = (struct pollfd){.fd = s->out_fd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = s->err_fd, .events = POLLIN};
		if (!s->exited) {
			i_pid = n;
			pfd[n++] = (struct pollfd){.fd = s->pid_fd, .events = POLLIN};
		}
		rc = poll(pfd, n, left > INT32_MAX ? INT32_MAX : (int)left);
		if (rc < 0 && errno != EINTR) /* EINTR: e.g. a SIGCHLD handler ran */
			return cni_err_errno(err, CNI_ERR_INTERNAL, errno,
					     "poll on netplugin pipes");
		if (rc <= 0)
			continue;
		if (i_in >= 0 && pfd[i_in].revents)
			write_stdin(s);
		if (i_pid >= 0 && pfd[i_pid].revents) {
			s->exited = true;
			util_close(&s->in_fd);
		}
		if (drain_all(s, s->exited, err) != 0)
			return -1;
	}
	return 0;
}

static int pidfd_of(pid_t pid)
{
	/* Always close-on-exec. ENOSYS (kernel < 5.3): the loop then ends at
	 * EOF on both pipes and waitpid blocks. */
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int open_pipes(int ours[3], int theirs[3], struct cni_err *err)
{
	for (int i = 0; i < 3; i++)
		ours[i] = theirs[i] = -1;
	for (int i = 0; i < 3; i++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) != 0)
			return cni_err_errno(err, CNI_ERR_INTERNAL, errno, "pipe2");
		/* stdin: the child reads p[0]; stdout/stderr: it writes p[1] */
		ours[i] = i == 0 ? p[1] : p[0];
		theirs[i] = i == 0 ? p[0] : p[1];
		fcntl(ours[i], F_SETFL, O_NONBLOCK);
	}
	return 0;
}

/* A SIGCHLD set to SIG_IGN (inheritable across exec from the runtime) or
 * SA_NOCLDWAIT makes the kernel reap children itself, and waitpid would
 * lose the exit status. Restore the default for the child's lifetime. */
static bool sigchld_make_waitable(struct sigaction *saved)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};

	if (sigaction(SIGCHLD, NULL, saved) != 0)
		return false;
	if (saved->sa_handler != SIG_IGN && !(saved->sa_flags & SA_NOCLDWAIT))
		return false;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, NULL);
	return true;
}

static int run_child(const struct ipam_spawn_req *rq, char **envp, struct ipam_output *o,
		     struct cni_err *err)
{
	int ours[3], theirs[3], rc = -1;
	struct io_state s = {.in_fd = -1,
			     .out_fd = -1,
			     .err_fd = -1,
			     .pid_fd = -1,
			     .in_buf = rq->stdin_buf,
			     .in_left = rq->stdin_len,
			     .o = o,
			     .out = {.max = JSON_MAX_INPUT}};
	pid_t pid = -1;

	if (open_pipes(ours, theirs, err) != 0)
		goto out;
	s.in_fd = ours[0], s.out_fd = ours[1], s.err_fd = ours[2];
	ours[0] = ours[1] = ours[2] = -1; /* now owned by s */
	if (start_child(rq, envp, theirs, &pid, err) != 0)
		goto out;
	o->started = true;
	for (int i = 0; i < 3; i++)
		util_close(&theirs[i]);
	s.pid_fd = pidfd_of(pid);
	s.exited = s.pid_fd < 0;
	if (!s.in_buf)
		s.in_left = 0;
	write_stdin(&s);
	rc = pump(&s, rq, err);
	if (rc != 0)
		kill(pid, SIGKILL);
	spawn_reap(pid, &o->status);
out:
	for (int i = 0; i < 3; i++) {
		util_close(&ours[i]);
		util_close(&theirs[i]);
	}
	util_close(&s.in_fd);
	util_close(&s.out_fd);
	util_close(&s.err_fd);
	util_close(&s.pid_fd);
	o->out = s.out.p; /* NULL when nothing was read */
	o->out_len = s.out.len;
	return rc;
}

int ipam_spawn(const struct ipam_spawn_req *rq, struct ipam_output *o, struct cni_err *err)
{
	char cmd_var[64];
	char **envp;
	sigset_t pipe_set, old_mask, pending;
	struct sigaction saved_chld;
	bool chld_changed, pipe_was_pending;
	int rc;

	*o = (struct ipam_output){0};
	snprintf(cmd_var, sizeof(cmd_var), "CNI_COMMAND=%s", rq->verb);
	envp = child_env(cmd_var);
	if (!envp)
		return cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM,
				     "building the IPAM environment");
	/* A write to a child that stopped reading must give EPIPE, not kill us. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	sigpending(&pending);
	pipe_was_pending = sigismember(&pending, SIGPIPE);
	chld_changed = sigchld_make_waitable(&saved_chld);

	rc = run_child(rq, envp, o, err);

	if (chld_changed)
		sigaction(SIGCHLD, &saved_chld, NULL);
	if (!pipe_was_pending) {
		struct timespec zero = {0};

		sigtimedwait(&pipe_set, NULL, &zero); /* consume our own EPIPE's signal */
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	free(envp);
	if (rc == 0 && !o->out && !(o->out = calloc(1, 1)))
		return cni_err_errno(err, CNI_ERR_INTERNAL, ENOMEM, "reading netplugin output");
	if (o->out)
		o->out[o->out_len] = '\0';
	if (o->errtext)
		o->errtext[o->err_len] = '\0';
	return rc;
}

void ipam_output_free(struct ipam_output *o)
{
	free(o->out);
	free(o->errtext);
	*o = (struct ipam_output){0};
}
