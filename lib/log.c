/*
 * log.c - one-line logging to stderr or syslog (see log.h)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char	*log_name = "tlsrpt";
static int		 log_syslog;
static int		 log_verbosity;
static int		 log_fatal_status = 75;	/* EX_TEMPFAIL */

/* log_init - choose the destination and the status fatal() exits with */
void
log_init(const char *progname, int use_syslog, int fatal_status)
{
	log_name = progname;
	log_syslog = use_syslog;
	log_fatal_status = fatal_status;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* log_verbose - 1 shows log_debug() lines */
void
log_verbose(int v)
{
	log_verbosity = v;
}

/* log_vwrite - write one line; errno_suffix appends strerror(saved errno) */
static void
log_vwrite(int pri, int errno_suffix, const char *fmt, va_list ap)
{
	int	 saved = errno;
	char	 msg[2048];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_syslog) {
		if (errno_suffix)
			syslog(pri, "%s: %s", msg, strerror(saved));
		else
			syslog(pri, "%s", msg);
	} else {
		if (errno_suffix)
			fprintf(stderr, "%s: %s: %s\n", log_name, msg,
			    strerror(saved));
		else
			fprintf(stderr, "%s: %s\n", log_name, msg);
		fflush(stderr);
	}
	errno = saved;
}

#define LOG_FN(name, pri, suffix)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	 ap;						\
								\
	va_start(ap, fmt);					\
	log_vwrite(pri, suffix, fmt, ap);			\
	va_end(ap);						\
}

LOG_FN(log_warn, LOG_WARNING, 1)
LOG_FN(log_warnx, LOG_WARNING, 0)
LOG_FN(log_info, LOG_INFO, 0)

/* log_debug - only with log_verbose(1) */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbosity)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

/* fatal - log with strerror(errno) and exit with the fatal status */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, 1, fmt, ap);
	va_end(ap);
	exit(log_fatal_status);
}

/* fatalx - log and exit with the fatal status */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(log_fatal_status);
}
