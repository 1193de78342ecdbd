/*
 * starts.h
 *		StartSession and StartCalculationExecution for given arguments, on
 *		the signed-call engine (concurrency, retries, the rate of the HTTP
 *		engine).  Each start carries its ClientRequestToken, the same on
 *		every attempt, so that a retried request (after a timeout, a reset,
 *		a 5xx) starts nothing a second time: Athena answers the start the
 *		token made.
 *
 * Pure C, no PostgreSQL headers.
 */
#ifndef ATHENA_STARTS_H
#define ATHENA_STARTS_H

#include "sessions.h"

typedef struct AthenaStarts AthenaStarts;

typedef struct AthenaStart
{
	int			item;			/* index of the arguments given */
	AthenaStarted started;		/* the caller frees it (athena_started_free) */
} AthenaStart;

/*
 * Starts op (ATHENA_OP_START_SESSION or ATHENA_OP_START_CALCULATION_EXECUTION)
 * once per args[i]; args must stay valid until the starts end.  NULL on out
 * of memory.
 */
extern AthenaStarts *athena_starts_begin(HttpClient *client,
										 const AthenaClientConfig *config,
										 AthenaOperation op,
										 const AthenaStartArgs *args, int n,
										 HttpInterruptFn check_interrupts,
										 void *interrupt_arg);

/*
 * The next accepted start, in completion order.  On ATHENA_FETCH_FAILED the
 * caller owns failure->error; it may go on calling to learn how the
 * requests already sent ended.
 */
extern AthenaFetch athena_starts_next(AthenaStarts *starts, AthenaStart *start,
									  AthenaFailure *failure);

/* No further start is sent; the requests already sent finish. */
extern void athena_starts_stop(AthenaStarts *starts);

extern void athena_starts_stats(const AthenaStarts *starts,
								AthenaCallStats *stats);

/* Safe at any time, also after a longjmp out of athena_starts_next. */
extern void athena_starts_end(AthenaStarts *starts);

#endif							/* ATHENA_STARTS_H */
