/*
 * tap.h
 *		Test Anything Protocol output shared by the unit tests: "ok N - ...",
 *		"not ok N - ...", "# " diagnostics, and the plan printed last.
 */
#ifndef ATHENA_TAP_H
#define ATHENA_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#define TAP_UNUSED __attribute__((unused))

static int	ntests = 0;
static int	nfailed = 0;

/* Records one test; returns cond so a caller can add diagnostics. */
static TAP_UNUSED bool ok(bool cond, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

static TAP_UNUSED bool
ok(bool cond, const char *fmt,...)
{
	va_list		ap;

	ntests++;
	if (!cond)
		nfailed++;
	printf("%s %d - ", cond ? "ok" : "not ok", ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

/* A diagnostic line: reported, never judged. */
static TAP_UNUSED void diag(const char *fmt,...)
			__attribute__((format(printf, 1, 2)));

static TAP_UNUSED void
diag(const char *fmt,...)
{
	va_list		ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static TAP_UNUSED void
skip(const char *what, const char *why)
{
	ntests++;
	printf("ok %d - %s # SKIP %s\n", ntests, what, why);
}

/* Prints the plan; the exit status of the test program. */
static TAP_UNUSED int
tap_finish(void)
{
	printf("1..%d\n", ntests);
	if (nfailed > 0)
		printf("# %d of %d tests failed\n", nfailed, ntests);
	return nfailed > 0 ? 1 : 0;
}

#endif							/* ATHENA_TAP_H */
