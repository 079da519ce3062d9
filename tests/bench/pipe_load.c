/*
 * pipe_load.c - run a command once per mail, P at a time, as Postfix's
 * pipe(8) does, for "make bench"
 *
 * SYNOPSIS
 *	pipe_load P FILE... -- COMMAND [ARG...]
 *
 * Each FILE becomes the standard input of one COMMAND process (stdout and
 * stderr to /dev/null); at most P run at once.  Prints
 *	"ok N other M seconds S"
 * where ok counts exit status 0 and other everything else.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int
main(int argc, char **argv)
{
	struct timespec	 t0, t1;
	posix_spawn_file_actions_t fa;
	pid_t		 pid;
	int		 p, i, sep, running = 0, ok = 0, other = 0, st, nfiles;

	for (sep = 2; sep < argc && strcmp(argv[sep], "--") != 0; sep++)
		;
	if (argc < 4 || sep >= argc - 1 || (p = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: pipe_load P FILE... -- COMMAND [ARG...]\n");
		return 64;
	}
	nfiles = sep - 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nfiles || running > 0;) {
		if (i < nfiles && running < p) {
			posix_spawn_file_actions_init(&fa);
			posix_spawn_file_actions_addopen(&fa, 0, argv[2 + i],
			    O_RDONLY, 0);
			posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
			    O_WRONLY, 0);
			posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
			    O_WRONLY, 0);
			if (posix_spawn(&pid, argv[sep + 1], &fa, NULL,
			    argv + sep + 1, environ) != 0) {
				perror("posix_spawn");
				return 1;
			}
			posix_spawn_file_actions_destroy(&fa);
			running++;
			i++;
			continue;
		}
		if (wait(&st) > 0) {
			running--;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				ok++;
			else
				other++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("ok %d other %d seconds %.3f\n", ok, other,
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec -
	    t0.tv_nsec) / 1e9);
	return 0;
}
