/*
 * summary.h - render a struct summary (query.h) as text, JSON or CSV
 */
#ifndef TLSRPT_RENDER_SUMMARY_H
#define TLSRPT_RENDER_SUMMARY_H

#include <stdio.h>

#include "query.h"

enum render_format { RENDER_TEXT, RENDER_JSON, RENDER_CSV };

/* render_summary - write s to fp; every string from a report is escaped
 * for the format (text and CSV: escape.h, CSV with the formula guard;
 * JSON: JSON escaping).  s is only read. */
void	render_summary(const struct summary *s, enum render_format, FILE *fp);

/* render_failed_pct - failed sessions as a share of all, in percent (0 to
 * 100; 0 when there are none).  Computed in double, so that no stored
 * count (two may add up past INT64_MAX) breaks or falsifies it; a
 * negative count counts as 0. */
double	render_failed_pct(int64_t successful, int64_t failed);

#endif
