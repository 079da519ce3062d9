/*
 * summary.h - render a struct summary (query.h) as text, JSON or CSV
 */
#ifndef TLSRPT_RENDER_SUMMARY_H
#define TLSRPT_RENDER_SUMMARY_H

#include <stdio.h>

#include "query.h"

enum render_format { RENDER_TEXT, RENDER_JSON, RENDER_CSV };

/* render_summary - write s to fp; every string from a report is escaped
 * for the format (JSON escaping, CSV quoting with formula guard). */
void	render_summary(const struct summary *s, enum render_format, FILE *fp);

#endif
