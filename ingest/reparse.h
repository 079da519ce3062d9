/*
 * reparse.h - every stored report decoded again, every quarantined body
 * tried again (the work of "tlsrpt reparse")
 */
#ifndef TLSRPT_REPARSE_H
#define TLSRPT_REPARSE_H

#include <stddef.h>

struct intake;

/*
 * reparse_all - rewrite the rows of every stored report from its raw
 * bytes with the current decoder and rules, then submit every quarantined
 * body to the intake (opened without INTAKE_SPOOL or INTAKE_QUARANTINE,
 * with its connection) and delete those that became reports.  Adds to
 * *reparsed the reports rewritten and bodies recovered, to *failed those
 * left as they were (one log line each).  Returns 0, or -1 with err when
 * the database failed.
 */
int	reparse_all(struct intake *, size_t *reparsed, size_t *failed,
	    char *err, size_t errlen);

#endif
