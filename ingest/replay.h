/*
 * replay.h - spooled entries into the database, through the intake
 */
#ifndef TLSRPT_REPLAY_H
#define TLSRPT_REPLAY_H

#include <stddef.h>

struct intake;

/*
 * spool_replay - submit every entry waiting in dir to the intake (which
 * must not spool: open it without INTAKE_SPOOL) and remove each once the
 * database has it: stored, a duplicate, foreign, or a rejected body kept
 * in the quarantine.  One log line per entry.  *done gets how many were
 * removed.  Returns 0; -1 with err when the directory cannot be read or
 * the database failed (the entries not taken stay for the next time).
 */
int	spool_replay(struct intake *, const char *dir, size_t *done,
	    char *err, size_t errlen);

/*
 * spool_tidy - at start of a process that owns the spool ("serve",
 * "spool replay"): remove the leftovers of writers killed mid-write from
 * dir/tmp (spool_clean) and log one line saying how many; a failure is
 * logged, never fatal (the spool still works)
 */
void	spool_tidy(const char *dir);

#endif
