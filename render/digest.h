/*
 * digest.h - "tlsrpt digest": what its files (digest.c, digest_body.c,
 * alerts.c, mailout.c) share
 *
 * One report-day D, read once through the query layer into struct
 * digest; then one message per recipient, holding only the domains that
 * recipient receives.
 *
 * Ownership: struct digest owns its summaries, tables and alerts
 * (digest.c frees them); a struct recipient owns its strings.
 */
#ifndef TLSRPT_RENDER_DIGEST_H
#define TLSRPT_RENDER_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "html.h"
#include "query.h"
#include "query_site.h"

enum alert_rule {
	ALERT_NEW_TYPE = 1,	/* a result-type not seen on the 30 days before */
	ALERT_RATE,		/* failed share above alert_failure_rate */
	ALERT_STS_TESTING,	/* an MTA-STS policy in testing or none mode */
	ALERT_QUIET,		/* a regular reporter did not report on D */
	ALERT_NO_REPORTS,	/* a configured domain without a report on D */
};

struct alert {
	enum alert_rule	 rule;
	char		*domain;
	char		*what;		/* result-type, mode, organization, or NULL */
	int64_t		 a, b, c;	/* the numbers behind it (alerts.c) */
	double		 pct;
};

struct digest {
	char		 day[DAYLEN];		/* D */
	char		 week[DAYLEN];		/* D-7 */
	char		 month[DAYLEN];		/* D-30 */
	char		 prev[DAYLEN];		/* D-1 */
	struct summary	 today, before30;
	struct qtable	 daily;			/* D-7..D (QS_DAILY) */
	struct qtable	 reporter_days;		/* D-7..D-1 */
	struct qtable	 policies;		/* D */
	struct qtable	 quarantine, foreign;	/* D */
	struct qtable	 late;			/* arrived after D-1's digest */
	struct alert	*alerts;
	size_t		 n_alerts;
	char *const	*conf_domains;
	size_t		 n_conf;
	double		 rate_pct;		/* alert_failure_rate */
	int64_t		 min_failed;		/* alert_min_failed */
	const char	*subject;		/* digest_subject */
};

/* A recipient and the domains it receives (n == 0: all). */
struct recipient {
	char	 *addr;
	char	**domains;
	size_t	  n;
};

/* digest_wants - 1 when r receives domain (or a subdomain of one of its
 * domains) */
int	digest_wants(const struct recipient *r, const char *domain);

/* alerts_find - the five rules over the digest's data into d->alerts
 * (alerts.c) */
void	alerts_find(struct digest *d);
/* alerts_free - release d->alerts */
void	alerts_free(struct digest *d);
/* alert_counted - 1 when the alert counts in the Subject (all but the
 * testing-mode notes, which would otherwise shout every day) */
int	alert_counted(const struct alert *);
/* alert_text - one line about a, report strings escaped by html (1:
 * escape_html, 0: escape_text) */
void	alert_text(struct buf *, const struct alert *a, int html);
/* alerts_json - every alert as one JSON document for alert_command */
char	*alerts_json(const struct digest *d);

/*
 * digest_body - the subject, the text part and the HTML part of r's
 * message (digest_body.c).  Returns 1 when r's message holds nothing
 * (no report, no alert), else 0.
 */
int	digest_body(const struct digest *d, const struct recipient *r,
	    struct buf *subject, struct buf *text, struct buf *html);

#endif
