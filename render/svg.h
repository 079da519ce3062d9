/*
 * svg.h - inline SVG charts of a domain's days (struct daily, html.h)
 *
 * No script, no external resource, no colour needed to read them: each
 * series has its own fill pattern and a legend entry with its name, and
 * every bar carries its figures as a tooltip (<title>).
 */
#ifndef TLSRPT_RENDER_SVG_H
#define TLSRPT_RENDER_SVG_H

#include "buf.h"
#include "html.h"

/* svg_daily - two panels over the same days: sessions per day
 * (successful and failed, stacked) and failed sessions per day stacked
 * by result-type, each with its axis labels, then the legend */
void	svg_daily(struct buf *, const struct daily *);

/* svg_trend - a small bar per day: the share of failed sessions (a day
 * without sessions is a dot on the base line), for the index */
void	svg_trend(struct buf *, const struct daily *);

#endif
