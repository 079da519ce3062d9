/*
 * privdrop.c - drop root privileges to a configured user (see privdrop.h)
 *
 * The order is OpenSMTPD's (queue.c): supplementary groups first, then the
 * group, then the user, since after setresuid nothing else may change.
 * Every step is checked; a daemon that cannot drop must not start.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"
#include "util.h"

/* priv_lookup - see privdrop.h */
int
priv_lookup(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL)
		return seterr(err, errlen, "user \"%s\" does not exist", user);
	if (pw->pw_uid == 0)
		return seterr(err, errlen, "user \"%s\" is root", user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* priv_drop - see privdrop.h */
int
priv_drop(const char *user, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (setgroups(1, &gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		return seterr(err, errlen, "cannot drop privileges to %s: %s",
		    user, strerror(errno));
	if (setuid(0) != -1)
		return seterr(err, errlen, "privileges not dropped");
	return 0;
}
