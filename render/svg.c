/*
 * svg.c - inline SVG charts of a domain's days
 *
 * SYNOPSIS
 *	#include "svg.h"
 *
 *	void svg_daily(b, &daily)
 *	void svg_trend(b, &daily)
 *
 * DESCRIPTION
 *	One viewBox, scaled to the width of the page by CSS, so the chart
 *	fits a 390 px phone as well as a desktop.  Success fills with a
 *	light solid, failures with dark hatches; each result-type gets its
 *	own pattern (angle, density, ink), so the chart reads in grey scale
 *	and to the colour-blind.  The y axis is labelled at 0, half and the
 *	top of the scale, which is rounded up to a figure people read
 *	(1, 2 or 5 times a power of ten); the x axis at the first, middle
 *	and last day.  Result-type names are report strings: escaped.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "svg.h"

/* 480 user units at 12 px: on a 390 px phone the text stays about 9 px,
 * and CSS caps the chart at 720 px on a desktop */
#define W	480		/* viewBox width */
#define LEFT	56		/* room for the y labels */
#define RIGHT	8
#define PW	(W - LEFT - RIGHT)

/* The failure patterns: hatch angle, gap, and ink (grey levels read
 * without colour; the hue only helps). */
static const struct {
	int		 angle, gap;
	const char	*ink;
} pat[] = {
	{ 45, 5, "#b3261e" }, { -45, 5, "#7a4f00" }, { 0, 4, "#5b2a86" },
	{ 90, 4, "#1f4e79" }, { 45, 9, "#333333" }, { -45, 9, "#8a1c7c" },
	{ 0, 8, "#6b3e26" }, { 90, 8, "#000000" },
};
#define NPAT	(sizeof pat / sizeof pat[0])

/* nice_max - the smallest 1, 2 or 5 times a power of ten >= v (>= 1) */
static int64_t
nice_max(int64_t v)
{
	int64_t	 p = 1;

	while (p <= INT64_MAX / 10 && p * 10 <= v)
		p *= 10;
	if (v <= p)
		return p;
	if (v <= 2 * p)
		return 2 * p;
	if (p <= INT64_MAX / 5 && v <= 5 * p)
		return 5 * p;
	return p <= INT64_MAX / 10 ? 10 * p : INT64_MAX;
}

/* defs - the patterns: "ok" (success), "bad" (failed), "t0".. */
static void
defs(struct buf *b, size_t ntypes)
{
	size_t	 i;

	buf_puts(b, "<defs><pattern id=\"bad\" width=\"6\" height=\"6\" "
	    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	    "<rect width=\"6\" height=\"6\" fill=\"#f6d5d2\"/><line x1=\"0\" "
	    "y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b3261e\" stroke-width=\"3\"/>"
	    "</pattern>");
	for (i = 0; i < ntypes; i++)
		buf_printf(b, "<pattern id=\"t%zu\" width=\"%d\" height=\"%d\" "
		    "patternUnits=\"userSpaceOnUse\" patternTransform=\""
		    "rotate(%d)\"><rect width=\"%d\" height=\"%d\" "
		    "fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" "
		    "y2=\"%d\" stroke=\"%s\" stroke-width=\"%d\"/></pattern>",
		    i, pat[i % NPAT].gap, pat[i % NPAT].gap,
		    pat[i % NPAT].angle, pat[i % NPAT].gap, pat[i % NPAT].gap,
		    pat[i % NPAT].gap, pat[i % NPAT].ink, i < NPAT ? 2 : 3);
	buf_puts(b, "</defs>");
}

/* yaxis - the frame, grid lines and labels of a panel at top, h high */
static void
yaxis(struct buf *b, int top, int h, int64_t max, const char *title)
{
	int	 k;

	buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"t\">", LEFT, top - 8);
	html_text(b, title);
	buf_puts(b, "</text>");
	for (k = 0; k <= 2; k++) {
		int y = top + h - h * k / 2;

		buf_printf(b, "<path d=\"M%d %dH%d\" class=\"g\"/>"
		    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LEFT, y,
		    W - RIGHT, LEFT - 6, y + 4);
		/* the middle line of an odd scale is at a half */
		html_num(b, k == 2 ? max : max / 2 * k);
		if (k == 1 && max % 2)
			buf_puts(b, ".5");
		buf_puts(b, "</text>");
	}
}

/* xaxis - the first, middle and last day under a panel ending at y */
static void
xaxis(struct buf *b, const struct daily *d, int y)
{
	size_t	 k, idx[3];
	double	 bw = (double)PW / (double)(d->ndays ? d->ndays : 1);
	const char *anchor[3] = { "start", "middle", "end" };

	if (d->ndays == 0)
		return;
	idx[0] = 0;
	idx[1] = d->ndays / 2;
	idx[2] = d->ndays - 1;
	for (k = 0; k < 3; k++) {
		if (k > 0 && idx[k] == idx[k - 1])
			continue;
		buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">"
		    "%s</text>", k == 0 ? LEFT : k == 2 ? W - RIGHT :
		    LEFT + bw * ((double)idx[k] + 0.5), y + 16, anchor[k],
		    d->day[idx[k]]);
	}
}

/* bar - one stacked segment: value v of max at day i, above base */
static double
bar(struct buf *b, const struct daily *d, size_t i, int top, int h,
    int64_t max, double base, int64_t v, const char *fill,
    const char *label)
{
	double	 bw = (double)PW / (double)d->ndays;
	double	 bh = (double)h * (double)v / (double)max;

	if (v <= 0)
		return base;
	if (bh < 1)
		bh = 1;		/* a failure is never invisible */
	buf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
	    "height=\"%.2f\" fill=\"%s\"><title>%s ", LEFT + bw * (double)i +
	    (bw > 4 ? 1 : 0), top + h - base - bh, bw > 4 ? bw - 2 : bw, bh,
	    fill, d->day[i]);
	html_text(b, label);
	buf_puts(b, ": ");
	html_num(b, v);
	buf_puts(b, "</title></rect>");
	(void)max;
	return base + bh;
}

/* legend - a swatch and a name per series, one to a row (a result-type
 * may be long), from y */
static int
legend(struct buf *b, const struct daily *d, int y)
{
	size_t	 i, n = d->ntypes + 2;
	char	 fill[32];

	for (i = 0; i < n; i++) {
		int x = LEFT;
		int yy = y + (int)i * 20;

		if (i == 0)
			snprintf(fill, sizeof fill, "#cfe8cf");
		else if (i == 1)
			snprintf(fill, sizeof fill, "url(#bad)");
		else
			snprintf(fill, sizeof fill, "url(#t%zu)", i - 2);
		buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"14\" "
		    "height=\"14\" fill=\"%s\" stroke=\"#333\"/><text "
		    "x=\"%d\" y=\"%d\">", x, yy, fill, x + 20, yy + 12);
		html_text(b, i == 0 ? "successful sessions" : i == 1 ?
		    "failed sessions" : d->type[i - 2]);
		buf_puts(b, "</text>");
	}
	return y + (int)n * 20;
}

/* svg_daily - see svg.h */
void
svg_daily(struct buf *b, const struct daily *d)
{
	int64_t		 max1 = 0, max2 = 0, sum;
	size_t		 i, k;
	double		 base;
	int		 t1 = 24, h1 = 150, t2 = t1 + h1 + 52, h2 = 110, height;
	char		 fill[32];

	for (i = 0; i < d->ndays; i++) {
		if (d->ok[i] + d->bad[i] > max1)
			max1 = d->ok[i] + d->bad[i];
		for (sum = 0, k = 0; k < d->ntypes; k++)
			sum += d->fail[i * d->ntypes + k];
		if (sum > max2)
			max2 = sum;
	}
	max1 = nice_max(max1);
	max2 = nice_max(max2);
	height = t2 + h2 + 28 + (int)(d->ntypes + 2) * 20;
	buf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"Sessions per day, and failed sessions per day by "
	    "result-type\" xmlns=\"http://www.w3.org/2000/svg\">", W, height);
	defs(b, d->ntypes);
	yaxis(b, t1, h1, max1, "Sessions per day");
	yaxis(b, t2, h2, max2, "Failed sessions per day, by result-type");
	for (i = 0; i < d->ndays; i++) {
		base = bar(b, d, i, t1, h1, max1, 0, d->ok[i], "#cfe8cf",
		    "successful");
		bar(b, d, i, t1, h1, max1, base, d->bad[i], "url(#bad)",
		    "failed");
		for (base = 0, k = 0; k < d->ntypes; k++) {
			snprintf(fill, sizeof fill, "url(#t%zu)", k);
			base = bar(b, d, i, t2, h2, max2, base,
			    d->fail[i * d->ntypes + k], fill, d->type[k]);
		}
	}
	xaxis(b, d, t1 + h1);
	xaxis(b, d, t2 + h2);
	legend(b, d, t2 + h2 + 28);
	buf_puts(b, "</svg>\n");
}

/* svg_trend - see svg.h */
void
svg_trend(struct buf *b, const struct daily *d)
{
	double	 bw, share, maxs = 0;
	size_t	 i;

	for (i = 0; i < d->ndays; i++)
		if (d->ok[i] + d->bad[i] > 0) {
			share = (double)d->bad[i] / (double)(d->ok[i] +
			    d->bad[i]);
			if (share > maxs)
				maxs = share;
		}
	bw = 120.0 / (double)(d->ndays ? d->ndays : 1);
	buf_printf(b, "<svg class=\"trend\" viewBox=\"0 0 120 24\" "
	    "role=\"img\" aria-label=\"failed share per day, highest %.1f "
	    "%%\" xmlns=\"http://www.w3.org/2000/svg\">", maxs * 100);
	buf_puts(b, "<path d=\"M0 23.5H120\" class=\"g\"/>");
	for (i = 0; i < d->ndays; i++) {
		if (d->ok[i] + d->bad[i] == 0) {
			buf_printf(b, "<rect x=\"%.2f\" y=\"22\" width=\"1\" "
			    "height=\"1\" fill=\"#999\"/>", bw * (double)i);
			continue;
		}
		share = (double)d->bad[i] / (double)(d->ok[i] + d->bad[i]);
		buf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
		    "height=\"%.2f\" fill=\"%s\"><title>%s: %.2f %% "
		    "failed</title></rect>", bw * (double)i, share > 0 ?
		    22 - 20 * share / maxs : 21.0, bw > 2 ? bw - 1 : bw,
		    share > 0 ? 20 * share / maxs + 1 : 2.0, share > 0 ?
		    "#b3261e" : "#5a9a5a", d->day[i], share * 100);
	}
	buf_puts(b, "</svg>");
}
