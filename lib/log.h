/*
 * log.h - one-line logging to stderr or syslog (OpenSMTPD log.c style)
 *
 * log_warn() and fatal() append strerror(errno); the x variants do not.
 * errno is saved and restored across every call.  fatal*() exit with the
 * status given to log_init() (EX_TEMPFAIL by default: a failure that is not a
 * verdict on the input must make the caller retry, never bounce).
 */
#ifndef TLSRPT_LOG_H
#define TLSRPT_LOG_H

void	log_init(const char *progname, int use_syslog, int fatal_status);
void	log_verbose(int);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
