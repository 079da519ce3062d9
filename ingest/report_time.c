/*
 * report_time.c - RFC 3339 date-times as senders write them (R19)
 *
 * SYNOPSIS
 *	#include "decode_int.h"
 *
 *	int report_parse_time(s, &t, &usec, &sec, &flags)
 *
 * DESCRIPTION
 *	YYYY-MM-DD, then 'T', 't' or ' ' (RFC 3339 allows the space "for
 *	the sake of readability"), hh:mm:ss, an optional .fraction
 *	(microseconds kept, the rest dropped), then 'Z'/'z', +hh:mm/-hh:mm,
 *	or nothing: Microsoft omits the offset (corpus row 26); that is read
 *	as UTC and flagged.  The arithmetic is our own (no timegm(), no TZ,
 *	no time_t range limits), so a hostile year cannot reach libc.
 */
#include <string.h>

#include "report.h"
#include "decode_int.h"

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date
 * (H. Hinnant's algorithm) */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* digits - parse exactly n decimal digits at s into *out */
static int
digits(const char *s, int n, int *out)
{
	int	i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* report_parse_time - see report_int.h */
int
report_parse_time(const char *s, int64_t *t, int32_t *usec, int *sec,
    uint32_t *flags)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};
	int	y, mo, d, h, mi, se, oh, om, off = 0, us = 0, n, leap;
	size_t	p;

	if (strlen(s) < 19 ||
	    digits(s, 4, &y) < 0 || s[4] != '-' ||
	    digits(s + 5, 2, &mo) < 0 || s[7] != '-' ||
	    digits(s + 8, 2, &d) < 0 ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) < 0 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) < 0 || s[16] != ':' ||
	    digits(s + 17, 2, &se) < 0)
		return -1;
	p = 19;
	if (s[p] == '.') {
		p++;
		for (n = 0; s[p] >= '0' && s[p] <= '9'; p++, n++)
			if (n < 6)
				us = us * 10 + (s[p] - '0');
		if (n == 0)
			return -1;
		for (; n < 6; n++)
			us *= 10;
		*flags |= REPORT_F_TIME_FRACTION;
	}
	if (s[p] == 'Z' || s[p] == 'z') {
		p++;
	} else if (s[p] == '+' || s[p] == '-') {
		if (digits(s + p + 1, 2, &oh) < 0 || s[p + 3] != ':' ||
		    digits(s + p + 4, 2, &om) < 0 || oh > 23 || om > 59)
			return -1;
		off = (oh * 3600 + om * 60) * (s[p] == '-' ? -1 : 1);
		p += 6;
		*flags |= REPORT_F_TIME_OFFSET;
	} else if (s[p] == '\0') {
		*flags |= REPORT_F_TIME_NO_OFFSET;
	}
	if (s[p] != '\0')
		return -1;

	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	/* Seconds 60 is RFC 3339's leap second; it lands on the next
	 * minute, which is the best a POSIX count can do. */
	if (mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap) ||
	    h > 23 || mi > 59 || se > 60)
		return -1;

	*t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + se - off;
	*usec = us;
	*sec = se;
	return 0;
}
