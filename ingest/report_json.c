/*
 * report_json.c - strict JSON loading for reports (R13)
 *
 * SYNOPSIS
 *	#include "decode_int.h"
 *
 *	enum report_error report_json_load(p, len, max_values, &root, err,
 *	    errlen)
 *
 * DESCRIPTION
 *	jansson parses; this file adds what I-JSON and PostgreSQL need and
 *	jansson does not do by default: duplicate member names are errors
 *	(JSON_REJECT_DUPLICATES), \u0000 is an error (no JSON_ALLOW_NUL:
 *	PostgreSQL text cannot hold NUL), and a byte scan before jansson
 *	sees the text refuses nesting deeper than REPORT_MAX_DEPTH
 *	(jansson's compile-time limit, 2048, lets a hostile body recurse far
 *	beyond anything a report needs) and more values than max_values:
 *	jansson has no such limit, and a 14 KB gzip body inflating to
 *	{"x":[{},{},...]} with 5 million empty objects made it allocate
 *	about 500 MB per report.
 *
 * DIAGNOSTICS
 *	One sentence with the line and column jansson reports, e.g.
 *	"duplicate member name in JSON at line 1 column 40 (contact-info)".
 */
#include <stdio.h>

#include <jansson.h>

#include "log.h"
#include "decode_int.h"
#include "util.h"

/* A conforming report nests 5 deep (report, policies, policy entry,
 * policy, policy-string); REPORT_MAX_DEPTH (32) leaves room for extension
 * members. */

/*
 * scan - the depth and an upper bound of the number of values of p/len.
 *
 * A byte scan is enough: outside strings every [ { ] } , is structure,
 * and inside strings only a backslash can hide a quote.  Every value but
 * the first of a container follows a comma, and every container opens
 * with a bracket, so commas + opening brackets + 1 bounds the values
 * (member names count too: a bound, not a census).  Malformed input is
 * left for jansson to reject with a better message.  Returns 0, or -1
 * with *deep set when the depth is over REPORT_MAX_DEPTH, else with
 * *values over max_values.
 */
static int
scan(const char *p, size_t len, size_t max_values, int *deep,
    size_t *values)
{
	size_t	i, depth = 0;
	int	instr = 0;

	*deep = 0;
	*values = 1;
	for (i = 0; i < len; i++) {
		if (instr) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				instr = 0;
			continue;
		}
		switch (p[i]) {
		case '"':
			instr = 1;
			break;
		case '[':
		case '{':
			if (++depth > REPORT_MAX_DEPTH) {
				*deep = 1;
				return -1;
			}
			/* FALLTHROUGH */
		case ',':
			if (++*values > max_values)
				return -1;
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		}
	}
	return 0;
}

/* report_json_load - see decode_int.h */
enum report_error
report_json_load(const char *p, size_t len, size_t max_values, json_t **out,
    char *err, size_t errlen)
{
	json_error_t	 e;
	size_t		 values;
	int		 deep;

	*out = NULL;
	if (scan(p, len, max_values, &deep, &values) == -1) {
		if (deep) {
			seterr(err, errlen, "JSON nesting deeper than %d levels",
			    REPORT_MAX_DEPTH);
			return REPORT_ERR_JSON;
		}
		seterr(err, errlen, "report has more than %zu JSON values "
		    "(max_report_values)", max_values);
		return REPORT_ERR_TOO_BIG;
	}
	/* No JSON_DECODE_ANY: the top level must be an object or array.
	 * No JSON_ALLOW_NUL: \u0000 cannot go into PostgreSQL text. */
	if ((*out = json_loadb(p, len, JSON_REJECT_DUPLICATES, &e)) != NULL)
		return REPORT_OK;
	switch (json_error_code(&e)) {
	case json_error_out_of_memory:
		/* STYLE rule 3: allocation failure is never a verdict. */
		fatalx("jansson: out of memory");
	case json_error_invalid_utf8:
		seterr(err, errlen, "invalid UTF-8 in JSON at line %d "
		    "column %d", e.line, e.column);
		break;
	case json_error_duplicate_key:
		seterr(err, errlen, "duplicate member name in JSON at line %d "
		    "column %d (%s)", e.line, e.column, e.text);
		break;
	case json_error_stack_overflow:
		seterr(err, errlen, "JSON nesting too deep");
		break;
	case json_error_null_character:
	case json_error_null_byte_in_key:
		/* PostgreSQL text cannot hold NUL (report.h). */
		seterr(err, errlen, "\\u0000 in a JSON string at line %d "
		    "column %d", e.line, e.column);
		break;
	case json_error_numeric_overflow:
		seterr(err, errlen, "number too large in JSON at line %d "
		    "column %d", e.line, e.column);
		break;
	default:
		seterr(err, errlen, "invalid JSON at line %d column %d: %s",
		    e.line, e.column, e.text);
		break;
	}
	return REPORT_ERR_JSON;
}
