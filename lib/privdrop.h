/*
 * privdrop.h - drop root privileges to a configured user, fatally checked
 *
 * For every daemon of the program (STYLE.md rule 7): look the user up
 * first, hand it what it must write (the spool), then drop.
 */
#ifndef TLSRPT_PRIVDROP_H
#define TLSRPT_PRIVDROP_H

#include <sys/types.h>

#include <stddef.h>

/* priv_lookup - user's uid and primary gid; -1 with err when the user
 * does not exist or is root */
int	priv_lookup(const char *user, uid_t *uid, gid_t *gid, char *err,
	    size_t errlen);

/* priv_drop - setgroups, setresgid, setresuid, in that order, each
 * checked, then a check that root cannot be regained; -1 with err */
int	priv_drop(const char *user, uid_t uid, gid_t gid, char *err,
	    size_t errlen);

#endif
