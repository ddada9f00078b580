/* hl_foreign: a foreign writer to a host-local store that does what the
 * reference does on DEL + ADD, but within microseconds (so within one clock
 * tick): under the store's flock, delete <name> and create it again holding
 * <content>. Tests use it to check that our lease index notices changes that
 * leave the directory's timestamps unchanged (tmpfs has coarse timestamps).
 *
 * usage: hl_foreign STORE_DIR NAME CONTENT     exit 0 on success */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: hl_foreign STORE_DIR NAME CONTENT\n");
		return 2;
	}
	int dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int lock = dir < 0 ? -1 : openat(dir, "lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0750);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		perror("lock");
		return 1;
	}
	unlinkat(dir, argv[2], 0);
	int fd = openat(dir, argv[2], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, argv[3], strlen(argv[3])) != (ssize_t)strlen(argv[3])) {
		perror(argv[2]);
		return 1;
	}
	close(fd);
	flock(lock, LOCK_UN);
	return 0;
}
