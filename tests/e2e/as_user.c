// SPDX-License-Identifier: MIT
/*
 * as_user UID COMMAND [ARG...]: drop every group, become UID (uid and gid)
 * and exec COMMAND. The e2e cases run as root, which file permissions do
 * not stop; this runs a client as an ordinary user.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	unsigned long id;

	if (argc < 3) {
		fprintf(stderr, "usage: as_user UID COMMAND [ARG...]\n");
		return 2;
	}
	errno = 0;
	id = strtoul(argv[1], &end, 10);
	if (errno || *end || !*argv[1] || id == 0 || id > 65533) {
		fprintf(stderr, "as_user: bad uid '%s' (1-65533)\n", argv[1]);
		return 2;
	}
	if (setgroups(0, NULL) < 0 || setgid((gid_t)id) < 0 || setuid((uid_t)id) < 0) {
		fprintf(stderr, "as_user: cannot become uid %lu: %s\n", id, strerror(errno));
		return 1;
	}
	if (getuid() != id || geteuid() != id || getgid() != id || getegid() != id) {
		fprintf(stderr, "as_user: still privileged after setuid(%lu)\n", id);
		return 1;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "as_user: cannot run %s: %s\n", argv[2], strerror(errno));
	return 127;
}
