/* A tiny UDP echo for the masquerade tests: the server answers each
 * datagram with the source address it saw, so the client can print the
 * address the far side sees (masqueraded or not).
 *   masq_udp serve <port>          answer until 10 s pass without a datagram
 *   masq_udp send <addr> <port>    print the server's view of our address;
 *                                  exit 1 when no answer comes within ~3 s */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int serve(int port)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int off = 0;
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port),
				  .sin6_addr = IN6ADDR_ANY_INIT};
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("bind");
		return 1;
	}
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char buf[64], addr[INET6_ADDRSTRLEN];
		struct sockaddr_in6 peer;
		socklen_t len = sizeof(peer);
		if (poll(&p, 1, 10000) <= 0)
			return 0;
		if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len) < 0)
			continue;
		inet_ntop(AF_INET6, &peer.sin6_addr, addr, sizeof(addr));
		/* Show IPv4 peers as plain IPv4. */
		const char *shown = strncmp(addr, "::ffff:", 7) == 0 ? addr + 7 : addr;
		printf("%s\n", shown);
		fflush(stdout);
		sendto(fd, shown, strlen(shown), 0, (struct sockaddr *)&peer, len);
	}
}

static int send_one(const char *host, int port)
{
	struct sockaddr_storage ss = {0};
	socklen_t sslen;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sslen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sslen = sizeof(*s6);
	} else {
		fprintf(stderr, "bad address %s\n", host);
		return 2;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sslen) < 0) {
		perror("connect");
		return 1;
	}
	/* Retry: the server may still be starting, or ND/ARP still resolving. */
	for (int i = 0; i < 15; i++) {
		char buf[64];
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (send(fd, "?", 1, 0) < 0)
			usleep(200000);
		if (poll(&p, 1, 200) == 1) {
			ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
			if (n > 0) {
				buf[n] = '\0';
				printf("%s\n", buf);
				return 0;
			}
		}
	}
	fprintf(stderr, "no answer from %s port %d\n", host, port);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "send"))
		return send_one(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: masq_udp serve <port> | send <addr> <port>\n");
	return 2;
}
